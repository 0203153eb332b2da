/** The longest delay `setTimeout` takes; longer ones would fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A timer that never keeps the process alive. Delays past what `setTimeout` supports
 * (about 24.8 days, Infinity included) mean "no timer". `args` are passed to `onTimeout`, so
 * that a long-lived timer needs no closure of its own.
 */
export function startTimer<A extends unknown[]>(
  delayMs: number,
  onTimeout: (...args: A) => void,
  ...args: A
): NodeJS.Timeout | undefined {
  if (!(delayMs <= MAX_TIMER_MS)) return undefined;
  const timer = setTimeout(onTimeout, Math.max(0, delayMs), ...args);
  timer.unref();
  return timer;
}

/**
 * The one timer of a collection whose entries expire oldest first: it is due when the oldest
 * entry expires, runs `sweep` (which drops expired entries and returns when the next one is
 * due), and re-arms itself. This replaces a timer per entry.
 */
export class SweepTimer {
  private timer: NodeJS.Timeout | undefined;
  private dueAt = Number.POSITIVE_INFINITY;

  /**
   * `lateByMs`: how long after `dueAt` it fires (1 by default, so that what expires at `dueAt`
   * has expired by then; 0 where a deadline must hold to the millisecond, as a wait's timeout).
   */
  constructor(
    private readonly sweep: () => number | undefined,
    private readonly lateByMs = 1,
  ) {}

  /** Makes sure the timer fires no later than `dueAt` (epoch ms); undefined = nothing to expire. */
  schedule(dueAt: number | undefined): void {
    if (dueAt === undefined || (this.timer !== undefined && this.dueAt <= dueAt)) return;
    this.cancel();
    this.dueAt = dueAt;
    this.timer = startTimer(dueAt - Date.now() + this.lateByMs, () => {
      this.timer = undefined;
      this.dueAt = Number.POSITIVE_INFINITY;
      this.schedule(this.sweep());
    });
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAt = Number.POSITIVE_INFINITY;
  }
}
