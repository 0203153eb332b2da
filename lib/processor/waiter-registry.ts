import type { AnyCallEvent } from '../events/call-event.types';
import { operationContextOf } from '../events/event-filter';
import { ANY_KIND, CallPrefilter, type CallWants, NARROW_LIMIT, SHARED } from './call-prefilter';
import type { Waiter } from './waiter';

/**
 * The waiters filed under one index key: the waiter itself while it is alone (an
 * operationContext is unique, so most keys hold one), a Set once a second one comes. A Set of
 * one would cost each such pending waiter two more heap objects for the garbage collector.
 */
type Filed = Waiter | Set<Waiter>;

/**
 * Waiters filed by key (a call's kinds, or its operationContexts). The first key is held in
 * fields, with the kind bits (see CallPrefilter) its waiters want; further keys are in a Map made
 * when a second key comes. A call rarely waits on more than one kind or operation at a time,
 * and every object read on the way from the call to a waiter is one more cache miss per event
 * once 100k waiters no longer fit in the CPU's caches: an event of the awaited operation but of
 * another kind (its PlayStarted, when PlayCompleted is awaited) is turned away by the bits,
 * without reading the waiter and its filter.
 */
class KeyedWaiters {
  private firstKey: string | undefined;
  private first: Filed | undefined;
  private firstKinds = 0;
  private rest: Map<string, Filed> | undefined;

  get isEmpty(): boolean {
    return this.firstKey === undefined;
  }

  /** The waiters under `key` that may take an event of these kind bits. */
  get(key: string, kindBits: number): Filed | undefined {
    if (key === this.firstKey) return (this.firstKinds & kindBits) !== 0 ? this.first : undefined;
    return this.rest?.get(key);
  }

  /** `kindBits`: the kinds the waiter takes (see waitedKindBits). */
  add(key: string, waiter: Waiter, kindBits: number): void {
    if (this.firstKey === undefined || this.firstKey === key) {
      this.firstKey = key;
      this.first = filed(this.first, waiter);
      this.firstKinds |= kindBits;
    } else {
      this.rest ??= new Map();
      file(this.rest, key, waiter);
    }
  }

  /** Whether it held the waiter under this key. */
  remove(key: string, waiter: Waiter, kindBitsOf: (waiter: Waiter) => number): boolean {
    if (key !== this.firstKey) {
      if (this.rest === undefined || !unfile(this.rest, key, waiter)) return false;
      if (this.rest.size === 0) this.rest = undefined;
      return true;
    }
    if (!holds(this.first, waiter)) return false;
    this.first = without(this.first as Filed, waiter);
    if (this.first === undefined) this.promote();
    this.firstKinds = 0;
    if (this.first !== undefined)
      for (const left of each(this.first)) this.firstKinds |= kindBitsOf(left);
    return true;
  }

  *waiters(): Generator<Waiter> {
    if (this.first !== undefined) yield* each(this.first);
    for (const filed of this.rest?.values() ?? []) yield* each(filed);
  }

  /** The first key's waiters are gone: a key of the Map takes its place. */
  private promote(): void {
    const next = this.rest?.entries().next();
    if (next === undefined || next.done) {
      this.firstKey = undefined;
      return;
    }
    const [key, waiters] = next.value;
    this.firstKey = key;
    this.first = waiters;
    this.rest?.delete(key);
    if (this.rest?.size === 0) this.rest = undefined;
  }
}

/**
 * A call's filter waiters: every filter waiter that names the call is filed here. Those that
 * also name an operationContext (the most selective key) are filed by it in the record itself
 * (it extends KeyedWaiters rather than holding one: one object less to read per event); the
 * kind-keyed part is made when first needed.
 */
class CallWaiters extends KeyedWaiters {
  /** How many; the call is forgotten at 0. */
  count = 0;

  constructor(readonly call: string) {
    super();
  }

  /** Waiters that name kinds (and no operationContext), under each of their kinds. */
  byKind: KeyedWaiters | undefined;
  /** Waiters for any kind of the call. */
  any: Filed | undefined;

  /** What its waiters want, as the prefilter keeps it. */
  wants(prefilter: CallPrefilter): CallWants {
    const wants: CallWants = { kinds: 0, contexts: 0, contextKinds: 0 };
    for (const waiter of this.allWaiters()) addWants(wants, waiter, prefilter);
    return wants;
  }

  *allWaiters(): Generator<Waiter> {
    const seen = new Set<Waiter>(); // a waiter for several kinds is filed under each
    for (const waiter of this.waiters()) seen.add(waiter);
    for (const waiter of this.byKind?.waiters() ?? []) seen.add(waiter);
    if (this.any !== undefined) for (const waiter of each(this.any)) seen.add(waiter);
    yield* seen;
  }
}

/** Any kind: what a bucket keyed by kind holds (its key decides). */
const ANY_KIND_OF = () => ANY_KIND;

const NONE: readonly Waiter[] = [];

/**
 * Pending waiters, filed so that an event only meets the waiters that could want it.
 *
 * A filter waiter that names a call is filed under that call, then under its operationContext,
 * else its kind(s), else "any kind". One that names no call is filed under its
 * operationContext, else its kind(s), else "any". An event then reads at most seven buckets, so
 * the cost of matching does not grow with the number of pending waiters or calls. Predicate
 * waiters cannot be indexed: they are the only part tested one by one.
 *
 * Why filed by call first: an event names its call, so one lookup leads to everything of that
 * call, and the Maps of waiters without a call are empty in most apps and skipped. With 100k
 * waiters spread over 25k calls (bench/dispatch) every read of the index is a cache miss, so
 * the CallPrefilter is asked first: most events are of kinds or operations that none of their
 * call's waiters wants, and it says so from a 16-byte slot. A bucket reached by the event's own
 * keys needs no second look at its waiters (see collectAll).
 *
 * The indexes are keyed by the event's own strings, not joined strings: building `call + kind`
 * keys for every event allocated four strings per event, which made the young-generation
 * garbage collector run about a third more often with waiters pending than without.
 */
export class WaiterRegistry {
  private readonly byCall = new Map<string, CallWaiters>();
  /** What each call's waiters could want, read before byCall (see CallPrefilter). */
  private readonly prefilter: CallPrefilter<CallWaiters>;
  /** Filter waiters that name an operationContext and no call. */
  private readonly byContext = new Map<string, Filed>();
  /** Filter waiters that name kinds, and neither a call nor an operationContext. */
  private readonly byKind = new Map<string, Filed>();
  /** Filter waiters that name neither a call, an operationContext nor a kind. */
  private readonly unfiltered = new Set<Waiter>();
  private readonly predicates = new Set<Waiter>();
  private count = 0;

  /** `hash`: the prefilter's hash of ids (tests give one that collides). */
  constructor(hash?: (text: string) => number) {
    this.prefilter = new CallPrefilter(hash);
  }

  private readonly kindBitsOf = (waiter: Waiter) => waitedKindBits(waiter, this.prefilter);

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
    const { callConnectionId: call, operationContext, kinds } = filter;
    if (call !== undefined) {
      const calls = this.callWaiters(call);
      calls.count++;
      const kindBits = waitedKindBits(waiter, this.prefilter);
      const wants = { kinds: 0, contexts: 0, contextKinds: 0 };
      this.prefilter.widen(call, addWants(wants, waiter, this.prefilter, kindBits));
      if (operationContext !== undefined) {
        calls.add(operationContext, waiter, kindBits);
      } else if (kinds === undefined) {
        calls.any = filed(calls.any, waiter);
      } else {
        calls.byKind ??= new KeyedWaiters();
        for (const kind of kinds) calls.byKind.add(kind, waiter, ANY_KIND);
      }
    } else if (operationContext !== undefined) {
      file(this.byContext, operationContext, waiter);
    } else if (kinds !== undefined) {
      for (const kind of kinds) file(this.byKind, kind, waiter);
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
    const { callConnectionId: call, operationContext, kinds } = filter;
    let removed = false;
    if (call !== undefined) {
      const calls = this.byCall.get(call);
      if (calls === undefined) return;
      if (operationContext !== undefined) {
        removed = calls.remove(operationContext, waiter, this.kindBitsOf);
      } else if (kinds === undefined) {
        removed = holds(calls.any, waiter);
        if (removed) calls.any = without(calls.any as Filed, waiter);
      } else {
        for (const kind of kinds) {
          removed = calls.byKind?.remove(kind, waiter, ANY_KIND_OF) || removed;
        }
        if (calls.byKind?.isEmpty) calls.byKind = undefined;
      }
      if (removed && --calls.count === 0) {
        this.byCall.delete(call);
        this.prefilter.removeCall(call);
      } else if (removed && calls.count <= NARROW_LIMIT) {
        this.prefilter.narrow(call, calls.wants(this.prefilter));
      }
    } else if (operationContext !== undefined) {
      removed = unfile(this.byContext, operationContext, waiter);
    } else if (kinds !== undefined) {
      for (const kind of kinds) removed = unfile(this.byKind, kind, waiter) || removed;
    } else {
      removed = this.unfiltered.delete(waiter);
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
    const call = event.callConnectionId;
    const kindBits =
      typeof call === 'string' && this.byCall.size > 0 ? this.prefilter.bitsOfEventKind(kind) : 0;
    const wanted =
      kindBits !== 0
        ? this.prefilter.wanted(call as string, kindBits, operationContext)
        : undefined;
    // A slot held by one id gives its record: the call's own, or another call's whose id has
    // the same hash (then this call has no waiters, or its id would share the slot). Which one
    // is checked only once a waiter is found: comparing the ids reads the record's, one more
    // cache miss for the many events that find none.
    const calls = wanted === SHARED ? this.byCall.get(call as string) : wanted;
    if (calls !== undefined) {
      if (operationContext !== undefined) {
        const ofContext = calls.get(operationContext, kindBits);
        if (ofContext !== undefined) {
          buckets++;
          found = collectOfKind(ofContext, kind, found);
        }
      }
      const ofKind = calls.byKind?.get(kind, ANY_KIND);
      if (ofKind !== undefined) {
        buckets++;
        found = collectAll(ofKind, found);
      }
      if (calls.any !== undefined) {
        buckets++;
        found = collectAll(calls.any, found);
      }
      if (found !== undefined && calls.call !== call) {
        found = undefined;
        buckets = 0;
      }
    }
    if (operationContext !== undefined && this.byContext.size > 0) {
      const filed = this.byContext.get(operationContext);
      if (filed !== undefined) {
        buckets++;
        found = collectOfKind(filed, kind, found);
      }
    }
    if (this.byKind.size > 0) {
      const filed = this.byKind.get(kind);
      if (filed !== undefined) {
        buckets++;
        found = collectAll(filed, found);
      }
    }
    if (this.unfiltered.size > 0) {
      buckets++;
      found = collectAll(this.unfiltered, found);
    }
    if (this.predicates.size > 0) {
      buckets++;
      found = collectAccepted(this.predicates, event, found);
    }
    if (found === undefined) return NONE;
    if (buckets > 1 && found.length > 1) found.sort((a, b) => a.sequence - b.sequence);
    return found;
  }

  /** Pending filter waiters that name this call. */
  waitersOfCall(callConnectionId: string): Waiter[] {
    const calls = this.byCall.get(callConnectionId);
    return calls ? [...calls.allWaiters()] : [];
  }

  all(): Waiter[] {
    const all = new Set<Waiter>([...this.predicates, ...this.unfiltered]);
    for (const calls of this.byCall.values()) {
      for (const waiter of calls.allWaiters()) all.add(waiter);
    }
    for (const index of [this.byContext, this.byKind]) {
      for (const filed of index.values()) for (const waiter of each(filed)) all.add(waiter);
    }
    return [...all];
  }

  private callWaiters(call: string): CallWaiters {
    let calls = this.byCall.get(call);
    if (calls === undefined) {
      calls = new CallWaiters(call);
      this.byCall.set(call, calls);
      this.prefilter.addCall(call, calls);
    }
    return calls;
  }
}

/** The kind bits (see CallPrefilter) of the events a filter waiter takes. */
function waitedKindBits(waiter: Waiter, prefilter: CallPrefilter): number {
  const kinds = waiter.filter?.kinds;
  if (kinds === undefined) return ANY_KIND;
  let bits = 0;
  for (const kind of kinds) bits |= prefilter.bitOfWaitedKind(kind);
  return bits;
}

/** Adds what a filter waiter of a call wants to `wants`; returns it. */
function addWants(
  wants: CallWants,
  waiter: Waiter,
  prefilter: CallPrefilter,
  kinds = waitedKindBits(waiter, prefilter),
): CallWants {
  const operationContext = waiter.filter?.operationContext;
  if (operationContext !== undefined) {
    wants.contexts |= prefilter.contextBits(operationContext);
    wants.contextKinds |= kinds;
  } else {
    wants.kinds |= kinds;
  }
  return wants;
}

/** The waiters of one bucket. */
function each(filed: Filed): Iterable<Waiter> {
  return filed instanceof Set ? filed : [filed];
}

/*
 * A bucket's waiters were filed under the event's own keys (its call, operationContext, kind),
 * compared exactly by the Map that held them: what they name is known to match without reading
 * them, but for the kinds of a waiter filed by operationContext. Reading each waiter and its
 * filter again would cost two cache misses per waiter once 100k are pending.
 */

/** Adds every waiter of `filed` to `found` (created on the first). */
function collectAll(filed: Filed, found: Waiter[] | undefined): Waiter[] | undefined {
  let result = found;
  if (filed instanceof Set) for (const waiter of filed) result = append(result, waiter);
  else result = append(result, filed);
  return result;
}

/** Adds the waiters of `filed` that take events of this kind. */
function collectOfKind(
  filed: Filed,
  kind: string,
  found: Waiter[] | undefined,
): Waiter[] | undefined {
  let result = found;
  if (filed instanceof Set) {
    for (const waiter of filed) if (takesKind(waiter, kind)) result = append(result, waiter);
  } else if (takesKind(filed, kind)) result = append(result, filed);
  return result;
}

function takesKind(waiter: Waiter, kind: string): boolean {
  const kinds = waiter.filter?.kinds;
  return kinds === undefined || kinds.has(kind);
}

/** Adds the waiters of `filed` that accept the event (a predicate is run). */
function collectAccepted(
  filed: Set<Waiter>,
  event: AnyCallEvent,
  found: Waiter[] | undefined,
): Waiter[] | undefined {
  let result = found;
  for (const waiter of filed) if (waiter.accepts(event)) result = append(result, waiter);
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
