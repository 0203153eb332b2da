/**
 * CloudEvent ids seen within `ttlMs`, to drop redeliveries, in memory that is fixed at start-up
 * and independent of traffic: at most `capacity` ids are remembered (past that the oldest is
 * forgotten first), each as a 64-bit fingerprint in typed arrays. No string is kept, no object
 * is allocated per event, and no timer runs: expiry happens, oldest first, on each `add`.
 *
 * Two different ids share a fingerprint with a probability of about capacity / 2^64 per lookup
 * (5e-15 at 100 000 ids): the price of not keeping the strings.
 */
export class SeenEventIds {
  /** Open-addressing table of fingerprints (hi, lo); `state` 0 = empty, 1 = used, 2 = deleted. */
  private readonly hi: Int32Array;
  private readonly lo: Int32Array;
  private readonly state: Uint8Array;
  private readonly mask: number;
  /** Insertion-ordered ring of (fingerprint, expiry): the oldest entry is at `head`. */
  private readonly ringHi: Int32Array;
  private readonly ringLo: Int32Array;
  private readonly ringExpiry: Float64Array;
  private head = 0;
  private count = 0;
  private deleted = 0;
  /** Ids forgotten for room before their time. */
  evicted = 0;

  constructor(
    readonly ttlMs: number,
    readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {
    const slots = capacity > 0 ? 2 ** Math.ceil(Math.log2(capacity * 2 + 1)) : 0;
    this.mask = slots - 1;
    this.hi = new Int32Array(slots);
    this.lo = new Int32Array(slots);
    this.state = new Uint8Array(slots);
    this.ringHi = new Int32Array(Math.max(capacity, 0));
    this.ringLo = new Int32Array(Math.max(capacity, 0));
    this.ringExpiry = new Float64Array(Math.max(capacity, 0));
  }

  get size(): number {
    return this.count;
  }

  get enabled(): boolean {
    return this.ttlMs > 0 && this.capacity > 0;
  }

  /** Records the id; false when it was seen within the ttl (a duplicate). */
  add(id: string): boolean {
    if (!this.enabled) return true;
    const now = this.now();
    this.expire(now);
    fingerprint(id);
    const hi = fingerprintHi;
    const lo = fingerprintLo;
    if (this.find(hi, lo) !== -1) return false;
    if (this.count === this.capacity) {
      this.dropOldest();
      this.evicted++;
    }
    this.insert(hi, lo);
    const tail = (this.head + this.count) % this.capacity;
    this.ringHi[tail] = hi;
    this.ringLo[tail] = lo;
    this.ringExpiry[tail] = now + this.ttlMs;
    this.count++;
    return true;
  }

  has(id: string): boolean {
    if (!this.enabled) return false;
    this.expire(this.now());
    fingerprint(id);
    return this.find(fingerprintHi, fingerprintLo) !== -1;
  }

  clear(): void {
    this.state.fill(0);
    this.head = 0;
    this.count = 0;
    this.deleted = 0;
  }

  private expire(now: number): void {
    while (this.count > 0 && (this.ringExpiry[this.head] as number) <= now) this.dropOldest();
  }

  private dropOldest(): void {
    const slot = this.find(this.ringHi[this.head] as number, this.ringLo[this.head] as number);
    if (slot !== -1) {
      this.state[slot] = 2;
      this.deleted++;
    }
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    // Deleted slots lengthen probes: rebuild once they are a quarter of the table.
    if (this.deleted > (this.mask + 1) / 4) this.rebuild();
  }

  private find(hi: number, lo: number): number {
    for (let slot = lo & this.mask; ; slot = (slot + 1) & this.mask) {
      const state = this.state[slot];
      if (state === 0) return -1;
      if (state === 1 && this.hi[slot] === hi && this.lo[slot] === lo) return slot;
    }
  }

  private insert(hi: number, lo: number): void {
    let slot = lo & this.mask;
    while (this.state[slot] === 1) slot = (slot + 1) & this.mask;
    if (this.state[slot] === 2) this.deleted--;
    this.state[slot] = 1;
    this.hi[slot] = hi;
    this.lo[slot] = lo;
  }

  private rebuild(): void {
    this.state.fill(0);
    this.deleted = 0;
    for (let index = 0; index < this.count; index++) {
      const entry = (this.head + index) % this.capacity;
      const hi = this.ringHi[entry] as number;
      const lo = this.ringLo[entry] as number;
      if (this.find(hi, lo) === -1) this.insert(hi, lo);
    }
  }
}

let fingerprintHi = 0;
let fingerprintLo = 0;

/**
 * A 64-bit fingerprint of the id (cyrb53's two 32-bit lanes, both kept), written to
 * `fingerprintHi`/`fingerprintLo` so that the hot path allocates nothing.
 */
function fingerprint(text: string): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  fingerprintHi = h2;
  fingerprintLo = h1;
}
