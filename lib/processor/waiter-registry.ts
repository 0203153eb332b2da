import type { AnyCallEvent } from '../events/call-event.types';
import { type NormalizedFilter, operationContextOf } from '../events/event-filter';
import type { Waiter } from './waiter';

const SEP = '\u0000';

/**
 * Pending waiters, filed so that an event only meets the waiters that could want it.
 *
 * A filter waiter is filed under its most selective field: its operationContext, else its
 * call and kind(s), else its kind(s), else "any". An event then looks up five keys, so the
 * cost of matching does not grow with the number of pending waiters or calls. Predicate
 * waiters cannot be indexed: they are the only part tested one by one.
 */
export class WaiterRegistry {
  /** A key held by one waiter maps to it directly; a Set only once a second one comes. */
  private readonly byKey = new Map<string, Waiter | Set<Waiter>>();
  private readonly predicates = new Set<Waiter>();
  /** Filter waiters that name a call, for releasing them when the call disconnects. */
  private readonly byCall = new Map<string, Set<Waiter>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(waiter: Waiter): void {
    this.count++;
    if (waiter.filter === undefined) {
      this.predicates.add(waiter);
      return;
    }
    const keys = keysOf(waiter.filter);
    waiter.keys = keys.length === 1 ? (keys[0] as string) : keys;
    for (const key of keys) this.file(key, waiter);
    const call = waiter.filter.callConnectionId;
    if (call !== undefined) addTo(this.byCall, call, waiter);
  }

  remove(waiter: Waiter): void {
    if (waiter.filter === undefined) {
      if (this.predicates.delete(waiter)) this.count--;
      return;
    }
    let removed = false;
    const keys = waiter.keys;
    if (typeof keys === 'string') removed = this.unfile(keys, waiter);
    else for (const key of keys) removed = this.unfile(key, waiter) || removed;
    const call = waiter.filter.callConnectionId;
    if (call !== undefined) removeFrom(this.byCall, call, waiter);
    if (removed) this.count--;
  }

  /** Every pending waiter that accepts the event, oldest first. Does not settle them. */
  match(event: AnyCallEvent): Waiter[] {
    const found: Waiter[] = [];
    let buckets = 0;
    const kind = event.kind;
    const operationContext = operationContextOf(event);
    const call = event.callConnectionId;
    if (operationContext !== undefined)
      buckets += this.collect(`o${SEP}${operationContext}`, event, found);
    if (typeof call === 'string') {
      buckets += this.collect(`c${SEP}${call}${SEP}${kind}`, event, found);
      buckets += this.collect(`c${SEP}${call}${SEP}*`, event, found);
    }
    buckets += this.collect(`k${SEP}${kind}`, event, found);
    buckets += this.collect('*', event, found);
    if (this.predicates.size > 0) {
      buckets++;
      for (const waiter of this.predicates) if (waiter.accepts(event)) found.push(waiter);
    }
    if (buckets > 1 && found.length > 1) found.sort((a, b) => a.sequence - b.sequence);
    return found;
  }

  /** Pending filter waiters that name this call. */
  waitersOfCall(callConnectionId: string): Waiter[] {
    const waiters = this.byCall.get(callConnectionId);
    return waiters ? [...waiters] : [];
  }

  all(): Waiter[] {
    const all = new Set<Waiter>(this.predicates);
    for (const filed of this.byKey.values()) {
      if (filed instanceof Set) for (const waiter of filed) all.add(waiter);
      else all.add(filed);
    }
    return [...all];
  }

  private collect(key: string, event: AnyCallEvent, found: Waiter[]): number {
    const filed = this.byKey.get(key);
    if (filed === undefined) return 0;
    if (filed instanceof Set) {
      for (const waiter of filed) if (waiter.accepts(event)) found.push(waiter);
    } else if (filed.accepts(event)) found.push(filed);
    return 1;
  }

  /**
   * Most keys are held by one waiter (an operationContext is unique): keeping that waiter
   * itself, not a Set of one, saves each such pending waiter two heap objects that every major
   * garbage collection walks (see bench/dispatch: 100k pending waiters).
   */
  private file(key: string, waiter: Waiter): void {
    const filed = this.byKey.get(key);
    if (filed === undefined) this.byKey.set(key, waiter);
    else if (filed instanceof Set) filed.add(waiter);
    else this.byKey.set(key, new Set([filed, waiter]));
  }

  private unfile(key: string, waiter: Waiter): boolean {
    const filed = this.byKey.get(key);
    if (filed === waiter) {
      this.byKey.delete(key);
      return true;
    }
    if (!(filed instanceof Set) || !filed.delete(waiter)) return false;
    if (filed.size === 1) this.byKey.set(key, filed.values().next().value as Waiter);
    return true;
  }
}

function keysOf(filter: NormalizedFilter): string[] {
  if (filter.operationContext !== undefined) return [`o${SEP}${filter.operationContext}`];
  if (filter.callConnectionId !== undefined) {
    const call = filter.callConnectionId;
    return filter.kinds
      ? [...filter.kinds].map((kind) => `c${SEP}${call}${SEP}${kind}`)
      : [`c${SEP}${call}${SEP}*`];
  }
  return filter.kinds ? [...filter.kinds].map((kind) => `k${SEP}${kind}`) : ['*'];
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
