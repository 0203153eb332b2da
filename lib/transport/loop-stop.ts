/** Thrown by `LoopStop.until` once the loop is stopped. */
export class LoopStoppedError extends Error {
  override readonly name = 'LoopStoppedError';
}

/**
 * Stops a loop that waits on Redis: wakes its pause and cuts short the command it waits for.
 * Closing the connection is not enough for that: a command queued while ioredis reconnects
 * (after a Redis restart) never settles when the connection is closed then, and a shutdown
 * that awaited it would hang.
 */
export class LoopStop {
  private stopped = false;
  private readonly listeners = new Set<() => void>();

  get isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
    for (const listener of this.listeners) listener();
    this.listeners.clear();
  }

  /** The command's outcome, or a LoopStoppedError as soon as the loop is stopped. */
  until<T>(command: Promise<T>): Promise<T> {
    if (this.stopped) {
      command.catch(() => undefined);
      return Promise.reject(new LoopStoppedError('stopped'));
    }
    return new Promise<T>((resolve, reject) => {
      const onStop = () => reject(new LoopStoppedError('stopped'));
      this.listeners.add(onStop);
      command.then(resolve, reject).finally(() => this.listeners.delete(onStop));
    });
  }

  /** Waits `ms`, or less when the loop is stopped meanwhile. */
  pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.listeners.add(done);
    });
  }
}
