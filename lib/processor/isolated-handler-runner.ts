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

  run(name: string, subject: string, handler: () => unknown): void {
    let result: unknown;
    try {
      result = handler();
    } catch (error) {
      this.report(name, subject, error);
      return;
    }
    if (isPromiseLike(result)) {
      const tracked = Promise.resolve(result).then(
        () => undefined,
        (error: unknown) => this.report(name, subject, error),
      );
      this.inFlight.add(tracked);
      void tracked.finally(() => this.inFlight.delete(tracked));
    }
  }

  /** Resolves once every handler started so far (and those they lead to) has finished. */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
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
