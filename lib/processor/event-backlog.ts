import type { CallEventMetadata } from '../events/call-event.types';
import { operationContextOf } from '../events/event-filter';
import { SweepTimer } from './timer';
import type { AnyCallEvent, Waiter } from './waiter';
import { addTo, removeFrom } from './waiter-registry';

interface BacklogEntry {
  readonly sequence: number;
  readonly event: AnyCallEvent;
  readonly metadata: CallEventMetadata;
  readonly expiresAt: number;
}

/**
 * Events that no waiter took, kept `ttlMs` for a waiter that comes a little late (an event can
 * beat the REST response of the request that caused it).
 *
 * - Indexed by call, operationContext and kind, so a new filter waiter reads only its bucket.
 * - Oldest matching event first; an entry goes to one waiter only.
 * - One timer for the whole backlog (armed for the oldest entry), plus expiry checked on read.
 * - At most `maxEntries`: past that the oldest entry is dropped (and counted in `evicted`).
 */
export class EventBacklog {
  /** Insertion order is arrival order, and so expiry order. */
  private readonly entries = new Set<BacklogEntry>();
  private readonly byCall = new Map<string, Set<BacklogEntry>>();
  private readonly byOperation = new Map<string, Set<BacklogEntry>>();
  private readonly byKind = new Map<string, Set<BacklogEntry>>();
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
    const entry: BacklogEntry = {
      sequence: this.sequence++,
      event,
      metadata,
      expiresAt: this.now() + this.ttlMs,
    };
    this.entries.add(entry);
    if (typeof event.callConnectionId === 'string')
      addTo(this.byCall, event.callConnectionId, entry);
    const operationContext = operationContextOf(event);
    if (operationContext !== undefined) addTo(this.byOperation, operationContext, entry);
    addTo(this.byKind, event.kind, entry);
    while (this.entries.size > this.maxEntries) {
      this.delete(this.oldest() as BacklogEntry);
      this.evicted++;
    }
    this.timer.schedule(this.oldest()?.expiresAt);
  }

  /** Removes and returns the oldest entry the waiter accepts. */
  take(waiter: Waiter): AnyCallEvent | undefined {
    this.expire();
    let found: BacklogEntry | undefined;
    for (const bucket of this.candidates(waiter)) {
      for (const entry of bucket) {
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
    if (entries) for (const entry of [...entries]) this.delete(entry);
  }

  clear(): void {
    for (const entry of [...this.entries]) this.delete(entry);
  }

  /**
   * The buckets that hold every entry a waiter could accept, each oldest first: the most
   * selective index the waiter names (one bucket per kind when it names only kinds).
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

  private oldest(): BacklogEntry | undefined {
    return this.entries.values().next().value;
  }

  /** Drops expired entries; returns when the oldest remaining one expires. */
  private expire(): number | undefined {
    const now = this.now();
    let entry = this.oldest();
    for (; entry && entry.expiresAt <= now; entry = this.oldest()) this.delete(entry);
    return entry?.expiresAt;
  }

  private delete(entry: BacklogEntry): void {
    if (!this.entries.delete(entry)) return;
    const { event } = entry;
    if (typeof event.callConnectionId === 'string')
      removeFrom(this.byCall, event.callConnectionId, entry);
    const operationContext = operationContextOf(event);
    if (operationContext !== undefined) removeFrom(this.byOperation, operationContext, entry);
    removeFrom(this.byKind, event.kind, entry);
    if (this.entries.size === 0) this.timer.cancel();
  }
}
