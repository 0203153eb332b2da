import type { CallEventMetadata } from '../events/call-event.types';
import { operationContextOf } from '../events/event-filter';
import { FifoQueue, type QueueItem } from './fifo-queue';
import { SweepTimer } from './timer';
import type { AnyCallEvent, Waiter } from './waiter';

interface BacklogEntry extends QueueItem {
  readonly sequence: number;
  readonly event: AnyCallEvent;
  readonly metadata: CallEventMetadata;
  readonly expiresAt: number;
  /** Index keys, copied at arrival: handlers may change the event object itself. */
  readonly kind: string;
  readonly call: string | undefined;
  readonly operationContext: string | undefined;
}

/**
 * Events that no waiter took, kept `ttlMs` for a waiter that comes a little late (an event can
 * beat the REST response of the request that caused it).
 *
 * - Indexed by call, operationContext and kind, so a new filter waiter reads only its bucket.
 * - Oldest matching event first; an entry goes to one waiter only.
 * - One timer for the whole backlog (armed for the oldest entry), plus expiry checked on use.
 * - At most `maxEntries`: past that the oldest entry is dropped (and counted in `evicted`).
 */
export class EventBacklog {
  /** Arrival order is expiry order. */
  private readonly entries = new FifoQueue<BacklogEntry>();
  private readonly byCall = new Map<string, FifoQueue<BacklogEntry>>();
  private readonly byOperation = new Map<string, FifoQueue<BacklogEntry>>();
  private readonly byKind = new Map<string, FifoQueue<BacklogEntry>>();
  private readonly timer = new SweepTimer(() => this.expire());
  private sequence = 0;
  evicted = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  add(event: AnyCallEvent, metadata: CallEventMetadata): void {
    if (this.ttlMs <= 0 || this.maxEntries <= 0) return;
    this.expire();
    const call = typeof event.callConnectionId === 'string' ? event.callConnectionId : undefined;
    const entry: BacklogEntry = {
      removed: false,
      sequence: this.sequence++,
      event,
      metadata,
      expiresAt: this.now() + this.ttlMs,
      kind: event.kind,
      call,
      operationContext: operationContextOf(event),
    };
    this.entries.push(entry);
    if (call !== undefined) bucket(this.byCall, call).push(entry);
    if (entry.operationContext !== undefined)
      bucket(this.byOperation, entry.operationContext).push(entry);
    bucket(this.byKind, entry.kind).push(entry);
    while (this.entries.size > this.maxEntries) {
      this.delete(this.entries.first() as BacklogEntry);
      this.evicted++;
    }
    this.timer.schedule(this.entries.first()?.expiresAt);
  }

  /** Removes and returns the oldest entry the waiter accepts. */
  take(waiter: Waiter): AnyCallEvent | undefined {
    this.expire();
    let found: BacklogEntry | undefined;
    for (const candidates of this.candidates(waiter)) {
      for (const entry of candidates) {
        if (found !== undefined && entry.sequence > found.sequence) break;
        if (waiter.accepts(entry.event)) {
          found = entry;
          break;
        }
        if (waiter.isSettled) return undefined; // its predicate threw
      }
    }
    if (found === undefined) return undefined;
    this.delete(found);
    return found.event;
  }

  /** Forgets every entry of a call (it disconnected). */
  dropCall(callConnectionId: string): void {
    const entries = this.byCall.get(callConnectionId);
    if (entries) for (const entry of entries) this.delete(entry);
  }

  clear(): void {
    for (const entry of this.entries) this.delete(entry);
  }

  /**
   * The queues that hold every entry a waiter could accept, each oldest first: the most
   * selective index the waiter names (one queue per kind when it names only kinds).
   */
  private candidates(waiter: Waiter): Iterable<BacklogEntry>[] {
    const filter = waiter.filter;
    if (filter === undefined) return [this.entries];
    if (filter.operationContext !== undefined) {
      return [this.byOperation.get(filter.operationContext) ?? []];
    }
    if (filter.callConnectionId !== undefined) {
      return [this.byCall.get(filter.callConnectionId) ?? []];
    }
    if (filter.kinds !== undefined)
      return [...filter.kinds].map((kind) => this.byKind.get(kind) ?? []);
    return [this.entries];
  }

  /** Drops expired entries; returns when the oldest remaining one expires. */
  private expire(): number | undefined {
    const now = this.now();
    let entry = this.entries.first();
    for (; entry && entry.expiresAt <= now; entry = this.entries.first()) this.delete(entry);
    return entry?.expiresAt;
  }

  private delete(entry: BacklogEntry): void {
    if (entry.removed) return;
    entry.removed = true;
    this.entries.removed();
    if (entry.call !== undefined) unbucket(this.byCall, entry.call);
    if (entry.operationContext !== undefined) unbucket(this.byOperation, entry.operationContext);
    unbucket(this.byKind, entry.kind);
    if (this.entries.size === 0) this.timer.cancel();
  }
}

function bucket(index: Map<string, FifoQueue<BacklogEntry>>, key: string): FifoQueue<BacklogEntry> {
  let queue = index.get(key);
  if (queue === undefined) {
    queue = new FifoQueue();
    index.set(key, queue);
  }
  return queue;
}

function unbucket(index: Map<string, FifoQueue<BacklogEntry>>, key: string): void {
  const queue = index.get(key);
  if (queue === undefined) return;
  queue.removed();
  if (queue.size === 0) index.delete(key);
}
