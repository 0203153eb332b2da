import { FifoQueue } from './fifo-queue';
import { MAX_TIMER_MS, SweepTimer } from './timer';
import type { Waiter } from './waiter';

/**
 * The timeouts of pending waiters, with one timer for all of them instead of a Node `Timeout`
 * per waiter. Waiters with the same `timeoutMs` expire in the order they started, so a FIFO
 * queue per distinct timeout (apps use a handful: the default and a few of their own) keeps
 * them sorted for free; the one timer is due when the earliest head expires.
 *
 * Why: every major garbage collection walks every pending waiter, and a `Timeout` (with its
 * timer-list links) is a large part of one. bench/dispatch with 100k pending waiters, together
 * with the shared kind sets and single-waiter index keys: 82k -> 103k events/s (batch 1) and
 * 73k -> 114k (batch 20) in two runs on a busy 2-core machine; the ratio to 0 pending stayed
 * within its noise (0.73–0.82), because the 0-pending figure rose as well.
 */
export class WaiterDeadlines {
  private readonly byTimeout = new Map<number, FifoQueue<Waiter>>();
  private readonly timer = new SweepTimer(() => this.sweep(), 0);

  /** Starts the waiter's clock; a timeout too long for `setTimeout` (Infinity) means none. */
  add(waiter: Waiter): void {
    if (!(waiter.timeoutMs <= MAX_TIMER_MS)) return;
    let queue = this.byTimeout.get(waiter.timeoutMs);
    if (queue === undefined) {
      queue = new FifoQueue();
      this.byTimeout.set(waiter.timeoutMs, queue);
    }
    queue.push(waiter);
    waiter.queued = true;
    this.timer.schedule(waiter.expiresAt);
  }

  /** Forgets a settled waiter (its deadline no longer matters). */
  remove(waiter: Waiter): void {
    if (!waiter.queued) return;
    waiter.queued = false;
    waiter.removed = true;
    const queue = this.byTimeout.get(waiter.timeoutMs);
    if (queue === undefined) return;
    queue.removed();
    if (queue.size === 0) this.byTimeout.delete(waiter.timeoutMs);
  }

  /** Times out what is due; returns when the next waiter is due. */
  private sweep(): number | undefined {
    const now = Date.now();
    let next: number | undefined;
    for (const queue of [...this.byTimeout.values()]) {
      let head = queue.first();
      // Rejecting settles the waiter, which removes it from its queue (see remove).
      while (head !== undefined && head.expiresAt <= now) {
        head.timeOut();
        this.remove(head); // settled already, it stays queued otherwise
        head = queue.first();
      }
      if (head !== undefined && (next === undefined || head.expiresAt < next)) {
        next = head.expiresAt;
      }
    }
    return next;
  }

  /** Stops the timer (on shutdown, once every waiter has been rejected). */
  close(): void {
    this.timer.cancel();
    this.byTimeout.clear();
  }

  /** Distinct timeouts with waiters pending, for tests that check nothing is left behind. */
  get queueCount(): number {
    return this.byTimeout.size;
  }
}
