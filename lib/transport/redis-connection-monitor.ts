import type { Logger } from '@nestjs/common';
import type { RedisClient } from './redis-target';

/**
 * Watches one ioredis connection: remembers its last error (for 503 and start-up messages) and
 * logs each outage once, when it starts and when it ends, instead of every reconnect attempt.
 */
export class RedisConnectionMonitor {
  lastError: Error | undefined;
  private wasReady = false;
  private down = false;
  private closing = false;

  constructor(
    readonly client: RedisClient,
    private readonly description: string,
    private readonly logger: Logger,
    private readonly whileDown: string,
  ) {
    client.on('error', (error: Error) => {
      this.lastError = withNodeCause(error);
    });
    client.on('ready', () => {
      this.lastError = undefined;
      if (this.down) this.logger.log(`Reconnected to Redis (${this.description}).`);
      this.down = false;
      this.wasReady = true;
    });
    client.on('close', () => {
      if (this.closing || this.down || !this.wasReady) return;
      this.down = true;
      const cause = this.lastError ? `: ${this.lastError.message}` : '';
      this.logger.warn(
        `Lost the Redis connection (${this.description})${cause}; reconnecting. ${this.whileDown}`,
      );
    });
  }

  get isReady(): boolean {
    return this.client.status === 'ready';
  }

  /** Why the connection is not usable now: its last error, or its state. */
  describeProblem(): string {
    return this.lastError?.message ?? `connection ${this.client.status}`;
  }

  /** Closes for good: lets pending replies arrive when connected, else cuts at once. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // cut below
      }
    }
    this.client.disconnect();
  }

  /** Cuts the connection now, without waiting for replies. */
  disconnect(): void {
    this.closing = true;
    this.client.disconnect();
  }
}

/**
 * The cluster client's "Failed to refresh slots cache." hides why: the last node's error
 * (`WRONGPASS …`, `NOAUTH …`, `ECONNREFUSED …`) goes into the message.
 */
export function withNodeCause(error: Error): Error {
  const node = (error as { lastNodeError?: Error | null }).lastNodeError;
  return node ? new Error(`${error.message.replace(/\.$/, '')}: ${node.message}`) : error;
}
