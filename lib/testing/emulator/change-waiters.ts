/**
 * Waits for conditions on something that changes: each pending wait is checked again whenever
 * its owner calls `changed()`, and ends with a timeout error after `timeoutMs`. Shared by the
 * callback collector, the emulated media streams and the tests' bare WebSocket server.
 */
export class ChangeWaiters {
  private readonly checks = new Set<() => void>();

  /**
   * Resolves with the first defined result of `find`, tried now and at each `changed()`;
   * rejects with `timeoutError()` after `timeoutMs`. `unref`: the timer does not keep the
   * process alive.
   */
  until<T>(
    find: () => T | undefined,
    timeoutMs: number,
    timeoutError: () => Error,
    unref = false,
  ): Promise<T> {
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const result = find();
        if (result === undefined) return;
        this.checks.delete(check);
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        this.checks.delete(check);
        reject(timeoutError());
      }, timeoutMs);
      if (unref) timer.unref();
      this.checks.add(check);
    });
  }

  /** Checks every pending wait again. */
  changed(): void {
    for (const check of [...this.checks]) check();
  }
}
