import { CallAutomationTimeoutError } from '../errors/call-automation-timeout.error';
import type { AnyCallEvent } from '../events/call-event.types';
import {
  type CallEventPredicate,
  describeFilter,
  matchesFilter,
  type NormalizedFilter,
} from '../events/event-filter';
import type { QueueItem } from './fifo-queue';

export interface WaitOptions {
  /** How long to wait; defaults to the module's `defaultTimeoutMs` (240 000 ms). */
  timeoutMs?: number;
  /** Aborting rejects the wait with the signal's reason. */
  signal?: AbortSignal;
}

/** The timeout of a wait: the given one, checked, or the default. Throws a TypeError for a bad one. */
export function checkTimeout(timeoutMs: number | undefined, fallback: number): number {
  if (timeoutMs === undefined) return fallback;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new TypeError(
      `timeoutMs must be a number of milliseconds >= 0 (or Infinity), got ${String(timeoutMs)}.`,
    );
  }
  return timeoutMs;
}

let nextSequence = 0;

/**
 * One pending `waitForEvent`: a promise plus what settles it (a match, its timer, its signal,
 * a disconnect or shutdown). `onSettled` lets the registry forget it, whichever way it ends.
 *
 * Apps keep many waiters pending, and every major garbage collection walks them all: so a waiter
 * holds no closure of its own (its timer gets the waiter as an argument, `onSettled` is shared)
 * and builds its description only when an error needs it. With 100k pending waiters (bench/
 * dispatch's set-up, measured by heap snapshot) that took each from 28 heap objects and 1,677
 * bytes to 22 and 1,379.
 */
export class Waiter implements QueueItem {
  readonly sequence = nextSequence++;
  /** When its timeout is due (epoch ms); its clock runs in WaiterDeadlines, not a timer of its own. */
  readonly expiresAt: number;
  /** Whether WaiterDeadlines holds it; `removed` is that queue's flag (see FifoQueue). */
  queued = false;
  removed = false;
  readonly promise: Promise<AnyCallEvent>;
  private resolvePromise!: (event: AnyCallEvent) => void;
  private rejectPromise!: (error: unknown) => void;
  private settled = false;
  private readonly abortListener?: () => void;

  constructor(
    readonly filter: NormalizedFilter | undefined,
    readonly predicate: CallEventPredicate | undefined,
    readonly timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
    private readonly onSettled: (waiter: Waiter) => void,
  ) {
    this.promise = new Promise<AnyCallEvent>((resolve, reject) => {
      this.resolvePromise = resolve;
      this.rejectPromise = reject;
    });
    if (signal) {
      this.abortListener = () => this.reject(signal.reason);
      signal.addEventListener('abort', this.abortListener, { once: true });
    }
    this.expiresAt = Date.now() + timeoutMs;
  }

  /** What this waiter waits for, as errors name it. */
  get description(): string {
    return describeWait(this.filter);
  }

  get isSettled(): boolean {
    return this.settled;
  }

  /** Whether an event satisfies this waiter; a throwing predicate rejects the waiter. */
  accepts(event: AnyCallEvent): boolean {
    if (this.filter !== undefined) return matchesFilter(this.filter, event);
    if (this.predicate === undefined) return true;
    try {
      // Truthy matches, as with Array.prototype.find: `e => ... && e.operationContext` works.
      return Boolean(this.predicate(event));
    } catch (error) {
      this.reject(error);
      return false;
    }
  }

  resolve(event: AnyCallEvent): void {
    if (this.finish()) this.resolvePromise(event);
  }

  reject(error: unknown): void {
    if (this.finish()) this.rejectPromise(error);
  }

  /** Its timeout is due (called by WaiterDeadlines). */
  timeOut(): void {
    this.reject(new CallAutomationTimeoutError(this.description, this.timeoutMs));
  }

  private finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.signal && this.abortListener) {
      this.signal.removeEventListener('abort', this.abortListener);
    }
    this.onSettled(this);
    return true;
  }
}

/** What a wait with this filter (or, without one, a predicate) waits for, as errors name it. */
export function describeWait(filter: NormalizedFilter | undefined): string {
  return filter !== undefined ? describeFilter(filter) : 'an event that matches the predicate';
}
