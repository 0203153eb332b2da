import type { LoggerService } from '@nestjs/common';

/**
 * Runs user handlers so that none can hurt the others: a throw or a rejection is logged with
 * the handler's name and stack, never rethrown. Async handlers are not awaited (they must not
 * delay the webhook's answer) but are tracked, so tests and shutdown can wait for them.
 */
export class IsolatedHandlerRunner {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly logger: LoggerService) {}

  get pending(): number {
    return this.inFlight.size;
  }

  /** Runs `handler`; for an async one, returns a promise that settles (never rejects) with it. */
  run(name: string, subject: string, handler: () => unknown): Promise<void> | undefined {
    let result: unknown;
    try {
      result = handler();
    } catch (error) {
      this.report(name, subject, error);
      return undefined;
    }
    if (!isPromiseLike(result)) return undefined;
    const tracked = Promise.resolve(result).then(
      () => undefined,
      (error: unknown) => this.report(name, subject, error),
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
    return tracked;
  }

  /**
   * Runs `work` on the next turn of the event loop, so that even a handler that does
   * synchronous work before its first await cannot delay the HTTP answer being written.
   */
  defer(work: () => void): void {
    const tracked = new Promise<void>((resolve) =>
      setImmediate(() => {
        try {
          work();
        } finally {
          resolve();
        }
      }),
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  /** Resolves once every handler started or deferred so far (and those they lead to) has finished. */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Like `whenIdle`, but gives up after `timeoutMs`; resolves false then. */
  async whenIdleWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    const idle = await Promise.race([this.whenIdle().then(() => true), timedOut]);
    clearTimeout(timer);
    return idle;
  }

  private report(name: string, subject: string, error: unknown): void {
    const stack = error instanceof Error ? error.stack : undefined;
    const message = error instanceof Error ? error.message : String(error);
    this.logger.error(`${name} failed on ${subject}: ${message}`, stack);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
