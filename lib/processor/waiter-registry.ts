import type { AnyCallEvent } from '../events/call-event.types';
import { operationContextOf } from '../events/event-filter';
import type { Waiter } from './waiter';

/**
 * The waiters filed under one index key: the waiter itself while it is alone (an
 * operationContext is unique, so most keys hold one), a Set once a second one comes. A Set of
 * one would cost each such pending waiter two more heap objects for the garbage collector.
 */
type Filed = Waiter | Set<Waiter>;

/** A call's filter waiters. */
interface CallWaiters {
  /** Every filter waiter that names the call, however filed: released when the call disconnects. */
  readonly all: Set<Waiter>;
  /** Waiters filed under the call and one of their kinds. */
  readonly byKind: Map<string, Filed>;
  /** Waiters filed under the call for any kind. */
  any: Filed | undefined;
}

const NONE: readonly Waiter[] = [];

/**
 * Pending waiters, filed so that an event only meets the waiters that could want it.
 *
 * A filter waiter is filed under its most selective field: its operationContext, else its
 * call and kind(s), else its kind(s), else "any". An event then reads at most six buckets, so
 * the cost of matching does not grow with the number of pending waiters or calls. Predicate
 * waiters cannot be indexed: they are the only part tested one by one.
 *
 * The indexes are nested maps keyed by the event's own strings, not one map keyed by joined
 * strings: building `call + kind` keys for every event allocated four strings per event, which
 * made the young-generation garbage collector run about a third more often with waiters
 * pending than without (bench/dispatch, 100k pending: `node --trace-gc` counted 144 scavenges
 * in 438k events against 123 in 514k with none pending).
 */
export class WaiterRegistry {
  private readonly byContext = new Map<string, Filed>();
  private readonly byCall = new Map<string, CallWaiters>();
  private readonly byKind = new Map<string, Filed>();
  /** Filter waiters that name neither a call, an operationContext nor a kind. */
  private readonly unfiltered = new Set<Waiter>();
  private readonly predicates = new Set<Waiter>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(waiter: Waiter): void {
    this.count++;
    const filter = waiter.filter;
    if (filter === undefined) {
      this.predicates.add(waiter);
      return;
    }
    const call = filter.callConnectionId;
    const calls = call === undefined ? undefined : this.callWaiters(call);
    calls?.all.add(waiter);
    if (filter.operationContext !== undefined) {
      file(this.byContext, filter.operationContext, waiter);
    } else if (calls !== undefined) {
      if (filter.kinds === undefined) calls.any = filed(calls.any, waiter);
      else for (const kind of filter.kinds) file(calls.byKind, kind, waiter);
    } else if (filter.kinds !== undefined) {
      for (const kind of filter.kinds) file(this.byKind, kind, waiter);
    } else {
      this.unfiltered.add(waiter);
    }
  }

  remove(waiter: Waiter): void {
    const filter = waiter.filter;
    if (filter === undefined) {
      if (this.predicates.delete(waiter)) this.count--;
      return;
    }
    const call = filter.callConnectionId;
    const calls = call === undefined ? undefined : this.byCall.get(call);
    let removed: boolean;
    if (filter.operationContext !== undefined) {
      removed = unfile(this.byContext, filter.operationContext, waiter);
    } else if (call !== undefined) {
      removed = false;
      if (calls !== undefined) {
        if (filter.kinds === undefined) {
          removed = calls.any !== undefined && holds(calls.any, waiter);
          if (removed) calls.any = without(calls.any as Filed, waiter);
        } else {
          for (const kind of filter.kinds) removed = unfile(calls.byKind, kind, waiter) || removed;
        }
      }
    } else if (filter.kinds !== undefined) {
      removed = false;
      for (const kind of filter.kinds) removed = unfile(this.byKind, kind, waiter) || removed;
    } else {
      removed = this.unfiltered.delete(waiter);
    }
    if (calls?.all.delete(waiter) && calls.all.size === 0) {
      this.byCall.delete(call as string);
    }
    if (removed) this.count--;
  }

  /**
   * Every pending waiter that accepts the event, oldest first. Does not settle them.
   * Allocates nothing when none does (the common case of a busy webhook).
   */
  match(event: AnyCallEvent): readonly Waiter[] {
    let found: Waiter[] | undefined;
    let buckets = 0;
    const kind = event.kind;
    const operationContext = operationContextOf(event);
    if (operationContext !== undefined && this.byContext.size > 0) {
      const filed = this.byContext.get(operationContext);
      if (filed !== undefined) {
        buckets++;
        found = collect(filed, event, found);
      }
    }
    const call = event.callConnectionId;
    const calls = typeof call === 'string' ? this.byCall.get(call) : undefined;
    if (calls !== undefined) {
      const ofKind = calls.byKind.get(kind);
      if (ofKind !== undefined) {
        buckets++;
        found = collect(ofKind, event, found);
      }
      if (calls.any !== undefined) {
        buckets++;
        found = collect(calls.any, event, found);
      }
    }
    if (this.byKind.size > 0) {
      const filed = this.byKind.get(kind);
      if (filed !== undefined) {
        buckets++;
        found = collect(filed, event, found);
      }
    }
    if (this.unfiltered.size > 0) {
      buckets++;
      found = collect(this.unfiltered, event, found);
    }
    if (this.predicates.size > 0) {
      buckets++;
      found = collect(this.predicates, event, found);
    }
    if (found === undefined) return NONE;
    if (buckets > 1 && found.length > 1) found.sort((a, b) => a.sequence - b.sequence);
    return found;
  }

  /** Pending filter waiters that name this call. */
  waitersOfCall(callConnectionId: string): Waiter[] {
    const calls = this.byCall.get(callConnectionId);
    return calls ? [...calls.all] : [];
  }

  all(): Waiter[] {
    const all = new Set<Waiter>([...this.predicates, ...this.unfiltered]);
    for (const calls of this.byCall.values()) for (const waiter of calls.all) all.add(waiter);
    for (const index of [this.byContext, this.byKind]) {
      for (const filed of index.values()) {
        if (filed instanceof Set) for (const waiter of filed) all.add(waiter);
        else all.add(filed);
      }
    }
    return [...all];
  }

  private callWaiters(call: string): CallWaiters {
    let calls = this.byCall.get(call);
    if (calls === undefined) {
      calls = { all: new Set(), byKind: new Map(), any: undefined };
      this.byCall.set(call, calls);
    }
    return calls;
  }
}

/** Adds the waiters of `filed` that accept the event to `found` (created on the first). */
function collect(
  filed: Filed,
  event: AnyCallEvent,
  found: Waiter[] | undefined,
): Waiter[] | undefined {
  let result = found;
  if (filed instanceof Set) {
    for (const waiter of filed) if (waiter.accepts(event)) result = append(result, waiter);
  } else if (filed.accepts(event)) result = append(result, filed);
  return result;
}

function append(found: Waiter[] | undefined, waiter: Waiter): Waiter[] {
  if (found === undefined) return [waiter];
  found.push(waiter);
  return found;
}

function filed(current: Filed | undefined, waiter: Waiter): Filed {
  if (current === undefined) return waiter;
  if (current instanceof Set) return current.add(waiter);
  return new Set([current, waiter]);
}

function holds(current: Filed | undefined, waiter: Waiter): boolean {
  return current === waiter || (current instanceof Set && current.has(waiter));
}

/** `current` without `waiter`, which it holds: undefined once empty, the waiter alone once one is left. */
function without(current: Filed, waiter: Waiter): Filed | undefined {
  if (current === waiter) return undefined;
  const set = current as Set<Waiter>;
  set.delete(waiter);
  return set.size === 1 ? (set.values().next().value as Waiter) : set;
}

function file(index: Map<string, Filed>, key: string, waiter: Waiter): void {
  const current = index.get(key);
  const next = filed(current, waiter);
  if (next !== current) index.set(key, next);
}

function unfile(index: Map<string, Filed>, key: string, waiter: Waiter): boolean {
  const current = index.get(key);
  if (current === undefined || !holds(current, waiter)) return false;
  const left = without(current, waiter);
  if (left === undefined) index.delete(key);
  else if (left !== current) index.set(key, left);
  return true;
}

export function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

export function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): boolean {
  const set = map.get(key);
  if (set === undefined || !set.delete(value)) return false;
  if (set.size === 0) map.delete(key);
  return true;
}
