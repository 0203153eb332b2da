/** A pending timer that can be canceled; canceling one that already fired does nothing. */
export interface ScheduledTimer {
  /** True when it was still pending (and now never fires). */
  cancel(): boolean;
}

/** The longest delay `setTimeout` supports; longer ones (Infinity included) never fire. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Every timer of one emulator, so that `stop()` (or a call ending, for the timers it owns)
 * cancels what is pending. Timers are unref'd: they never keep a process alive by themselves.
 */
export class TimerRegistry {
  private readonly pending = new Set<() => void>();
  private stopped = false;

  /**
   * Runs `fire` after `delayMs`; `onCancel` runs instead if the timer is canceled (by its
   * handle, by `owner` being canceled, or by `stopAll`). A delay past what timers support means
   * "until canceled".
   */
  schedule(
    delayMs: number,
    fire: () => void,
    options: { onCancel?: () => void; owner?: Set<ScheduledTimer> } = {},
  ): ScheduledTimer {
    if (this.stopped) {
      options.onCancel?.();
      return { cancel: () => false };
    }
    let timeout: NodeJS.Timeout | undefined;
    let done = false;
    const cancelNow = (): void => {
      if (timeout) clearTimeout(timeout);
      finish();
      options.onCancel?.();
    };
    const finish = (): void => {
      done = true;
      this.pending.delete(cancelNow);
      options.owner?.delete(handle);
    };
    const handle: ScheduledTimer = {
      cancel: () => {
        if (done) return false;
        cancelNow();
        return true;
      },
    };
    this.pending.add(cancelNow);
    options.owner?.add(handle);
    if (delayMs <= MAX_TIMER_MS) {
      timeout = setTimeout(
        () => {
          if (done) return;
          finish();
          fire();
        },
        Math.max(0, delayMs),
      );
      timeout.unref();
    }
    return handle;
  }

  /** Resolves after `delayMs`, or at once when the registry stops. */
  sleep(delayMs: number): Promise<void> {
    if (delayMs <= 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.schedule(delayMs, resolve, { onCancel: resolve });
    });
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Cancels every pending timer; later `schedule` calls cancel at once. */
  stopAll(): void {
    this.stopped = true;
    for (const cancel of [...this.pending]) cancel();
  }
}
