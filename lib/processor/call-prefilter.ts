/** What one slot holds, in 4 consecutive Int32s (16 bytes, one cache line read per lookup). */
const STRIDE = 4;
const KEY = 0;
const KINDS = 1;
const CONTEXTS = 2;
const CONTEXT_KINDS = 3;
const INITIAL_SLOTS = 64;

export const ANY_KIND = 1 << 31;
const OTHER_KIND = 1 << 30;
const KIND_BITS = 30;
export const NARROW_LIMIT = 32;

/** What one call's waiters want, as the table keeps it. */
export interface CallWants {
  kinds: number;
  contexts: number;
  contextKinds: number;
}

/** What `wanted` answers for a slot that two ids share: ask the index. */
export const SHARED = Symbol('shared slot');

/**
 * What the filter waiters of each call could want, in one compact table, so that an event that
 * none of its call's waiters wants is turned away without reading the index.
 *
 * Why: with 100k waiters over 25k calls, the index (a Map of calls, an object per call, the
 * waiters' keys) is tens of megabytes spread over the heap, and reading it costs cache and TLB
 * misses: matching cost about 1 µs more per event than with no waiter (2.5 µs for an event of
 * an awaited operation), much of it in `Map.get` on the call (a 25k-entry Map: +580 ns per
 * lookup, against +150 ns for this table, hash included, measured side by side in one process).
 * A call takes a 16-byte slot here (plus its count and record, kept apart: a lookup reads
 * neither unless the slot says "maybe").
 *
 * It answers "maybe" or "no", never a wrong "no":
 * - each call has a slot, found by a 32-bit hash of its id (open addressing, linear probing);
 * - `kinds`: one bit per kind its waiters name (ANY for a waiter of any kind); the first 30
 *   kinds named get a bit of their own, later ones share OTHER. Waiters that name an
 *   operationContext are not counted there but in the next two;
 * - `contexts`: a 32-bit Bloom filter of the operationContexts its waiters name (2 bits each),
 *   and `contextKinds`, the kinds those waiters name: a PlayStarted that carries the
 *   operationContext of a play awaited for its PlayCompleted is turned away here;
 * - ids with the same hash share a slot, which then stands for both (a "maybe" for either).
 * A waiter leaving narrows the slot to what is left only while the call holds at most
 * NARROW_LIMIT waiters (recounting a larger one would cost more than the misses it saves); a
 * wider slot than needed only sends more events to the index.
 *
 * `T`: what the index keeps per call (WaiterRegistry's record). The slot of a call held by one id
 * gives it back, so that an event the prefilter lets through does not pay for the index's own
 * lookup of the call (a `Map.get` on a large Map, mostly cache misses) as well.
 */
export class CallPrefilter<T extends object = object> {
  private slots = new Int32Array(INITIAL_SLOTS * STRIDE);
  /** How many calls share each slot (read on changes only, so kept apart from the slots). */
  private calls = new Int32Array(INITIAL_SLOTS);
  /** Each slot's call record while one id holds it, SHARED once two do. */
  private owners: (T | typeof SHARED | undefined)[] = new Array(INITIAL_SLOTS).fill(undefined);
  private used = 0;
  private readonly kindBits = new Map<string, number>();

  constructor(private readonly hash: (text: string) => number = hashOf) {}

  /** The bit of a kind a waiter names (given one on first use). */
  bitOfWaitedKind(kind: string): number {
    const known = this.kindBits.get(kind);
    if (known !== undefined) return known;
    if (this.kindBits.size >= KIND_BITS) return OTHER_KIND;
    const bit = 1 << this.kindBits.size;
    this.kindBits.set(kind, bit);
    return bit;
  }

  /** The bits an event of this kind would satisfy. */
  bitsOfEventKind(kind: string): number {
    const known = this.kindBits.get(kind);
    if (known !== undefined) return known | ANY_KIND;
    return this.kindBits.size >= KIND_BITS ? OTHER_KIND | ANY_KIND : ANY_KIND;
  }

  /** The Bloom bits of an operationContext. */
  contextBits(context: string): number {
    const hash = this.hash(context);
    return (1 << (hash & 31)) | (1 << ((hash >>> 5) & 31));
  }

  /**
   * Whether any waiter of the call could want an event with these kind bits (see
   * bitsOfEventKind) and this operationContext: undefined for "no"; for "maybe", the record
   * given to addCall for the slot, or SHARED when ids share it. The record may be another call's whose id has the same hash:
   * the caller checks that it is the call's own.
   */
  wanted(
    call: string,
    kindBits: number,
    context: string | undefined,
  ): T | typeof SHARED | undefined {
    const at = this.find(this.hash(call));
    if (at < 0) return undefined;
    const slots = this.slots;
    if (((slots[at + KINDS] as number) & kindBits) === 0) {
      if (((slots[at + CONTEXT_KINDS] as number) & kindBits) === 0 || context === undefined) {
        return undefined;
      }
      const bits = this.contextBits(context);
      if (((slots[at + CONTEXTS] as number) & bits) !== bits) return undefined;
    }
    return this.owners[at / STRIDE];
  }

  /** A call now has waiters: counts it in its slot. `record`: what `wanted` gives back for it. */
  addCall(call: string, record: T): void {
    const hash = this.hash(call);
    let at = this.find(hash);
    if (at < 0) {
      if ((this.used + 1) * 2 > this.capacity) this.grow();
      at = this.insert(hash);
      this.used++;
    }
    const index = at / STRIDE;
    this.owners[index] = ++(this.calls as Int32Array)[index] === 1 ? record : SHARED;
  }

  /** The call's waiters want more: widens its slot. */
  widen(call: string, wants: CallWants): void {
    const at = this.find(this.hash(call));
    if (at < 0) return;
    this.slots[at + KINDS] |= wants.kinds;
    this.slots[at + CONTEXTS] |= wants.contexts;
    this.slots[at + CONTEXT_KINDS] |= wants.contextKinds;
  }

  /** The call's waiters now want exactly this: narrows its slot unless another id shares it. */
  narrow(call: string, wants: CallWants): void {
    const at = this.find(this.hash(call));
    if (at < 0 || this.calls[at / STRIDE] !== 1) return;
    this.slots[at + KINDS] = wants.kinds;
    this.slots[at + CONTEXTS] = wants.contexts;
    this.slots[at + CONTEXT_KINDS] = wants.contextKinds;
  }

  /** The call has no waiter left. */
  removeCall(call: string): void {
    const at = this.find(this.hash(call));
    if (at < 0) return;
    if (--(this.calls as Int32Array)[at / STRIDE] > 0) return;
    this.deleteAt(at);
    this.used--;
  }

  /** Calls (slots) held, for tests that check nothing is left behind. */
  get size(): number {
    return this.used;
  }

  private get capacity(): number {
    return this.slots.length / STRIDE;
  }

  /** The offset of the slot with this key, or -1. */
  private find(key: number): number {
    const slots = this.slots;
    const mask = this.capacity - 1;
    for (let index = key & mask; ; index = (index + 1) & mask) {
      const at = index * STRIDE;
      const found = slots[at + KEY];
      if (found === key) return at;
      if (found === 0) return -1;
    }
  }

  private insert(key: number): number {
    const slots = this.slots;
    const mask = this.capacity - 1;
    let index = key & mask;
    while (slots[index * STRIDE + KEY] !== 0) index = (index + 1) & mask;
    const at = index * STRIDE;
    slots[at + KEY] = key;
    return at;
  }

  /** Empties a slot, moving later slots of its probe run back (no tombstones). */
  private deleteAt(offset: number): void {
    const slots = this.slots;
    const mask = this.capacity - 1;
    let hole = offset / STRIDE;
    this.clear(hole);
    for (
      let index = (hole + 1) & mask;
      slots[index * STRIDE + KEY] !== 0;
      index = (index + 1) & mask
    ) {
      const home = (slots[index * STRIDE + KEY] as number) & mask;
      // The entry may fill the hole if its home is not cyclically within (hole, index].
      const between = hole <= index ? home > hole && home <= index : home > hole || home <= index;
      if (between) continue;
      slots.copyWithin(hole * STRIDE, index * STRIDE, index * STRIDE + STRIDE);
      this.calls[hole] = this.calls[index] as number;
      this.owners[hole] = this.owners[index];
      this.clear(index);
      hole = index;
    }
  }

  private clear(index: number): void {
    this.slots.fill(0, index * STRIDE, index * STRIDE + STRIDE);
    this.calls[index] = 0;
    this.owners[index] = undefined;
  }

  private grow(): void {
    const [slots, calls, owners] = [this.slots, this.calls, this.owners];
    this.slots = new Int32Array(slots.length * 2);
    this.calls = new Int32Array(calls.length * 2);
    this.owners = new Array(owners.length * 2).fill(undefined);
    for (let at = 0; at < slots.length; at += STRIDE) {
      const key = slots[at + KEY] as number;
      if (key === 0) continue;
      const to = this.insert(key);
      this.slots.set(slots.subarray(at + 1, at + STRIDE), to + 1);
      this.calls[to / STRIDE] = calls[at / STRIDE] as number;
      this.owners[to / STRIDE] = owners[at / STRIDE];
    }
  }
}

/** FNV-1a over the UTF-16 code units; never 0 (the empty slot's key). */
export function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  }
  return hash === 0 ? 1 : hash;
}
