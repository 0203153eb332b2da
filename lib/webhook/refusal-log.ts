import type { Logger } from '@nestjs/common';

/**
 * Warnings about refused requests, at most `limit` per minute: a flood of forged callbacks
 * must not flood the logs. What was held back is counted in the next line.
 */
export class RefusalLog {
  private windowStart = 0;
  private logged = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly limit = 20,
    private readonly windowMs = 60_000,
  ) {}

  report(message: string): void {
    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.logged = 0;
    }
    if (this.logged >= this.limit) {
      this.suppressed++;
      return;
    }
    this.logged++;
    const held = this.suppressed;
    this.suppressed = 0;
    this.logger.warn(held > 0 ? `${message} (${held} similar messages were held back)` : message);
  }
}
