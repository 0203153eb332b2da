import { randomFillSync } from 'node:crypto';

/**
 * CloudEvent ids seen within `ttlMs`, to drop redeliveries, in memory that is fixed at start-up
 * and independent of traffic: at most `capacity` ids are remembered (past that the oldest is
 * forgotten first), each as a 64-bit fingerprint in typed arrays. No string is kept, no object
 * is allocated per event, and no timer runs: expiry happens, oldest first, on each `add`.
 *
 * Fingerprints are keyed (HalfSipHash-2-4, 64-bit output, with a random key per instance), so
 * a sender cannot construct two ids that share one and have the second dropped as a
 * duplicate. Two different ids share a fingerprint by chance with a probability of about
 * capacity / 2^64 per lookup (5e-15 at 100 000 ids): the price of not keeping the strings.
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
  /** This instance's random 64-bit hash key, as two 32-bit words. */
  private readonly key0: number;
  private readonly key1: number;

  constructor(
    readonly ttlMs: number,
    readonly capacity: number,
    private readonly now: () => number = Date.now,
    /** The hash key (two 32-bit words): random unless a test needs a known one. */
    key: readonly [number, number] = randomKey(),
  ) {
    const slots = capacity > 0 ? 2 ** Math.ceil(Math.log2(capacity * 2 + 1)) : 0;
    this.mask = slots - 1;
    this.hi = new Int32Array(slots);
    this.lo = new Int32Array(slots);
    this.state = new Uint8Array(slots);
    this.ringHi = new Int32Array(Math.max(capacity, 0));
    this.ringLo = new Int32Array(Math.max(capacity, 0));
    this.ringExpiry = new Float64Array(Math.max(capacity, 0));
    [this.key0, this.key1] = key;
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
    fingerprint(id, this.key0, this.key1);
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
    fingerprint(id, this.key0, this.key1);
    return this.find(fingerprintHi, fingerprintLo) !== -1;
  }

  /** The id's fingerprint under this instance's key, as 16 hex digits (for tests). */
  fingerprintOf(id: string): string {
    fingerprint(id, this.key0, this.key1);
    return hex(fingerprintHi) + hex(fingerprintLo);
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
 * HalfSipHash-2-4 with a 64-bit output (Aumasson and Bernstein) of the id's UTF-16 code units
 * read as little-endian bytes, two units per 32-bit word, under the key (key0, key1). Written
 * to `fingerprintHi`/`fingerprintLo` so that the hot path allocates nothing. Measured with
 * UUID ids on a 2-core machine under load: `has()` 0.21–0.90 µs per id, against 0.19–0.56 µs
 * with the unkeyed hash it replaced; node:crypto's md5 of key + id alone took 5–10 µs.
 */
function fingerprint(text: string, key0: number, key1: number): void {
  const v = state;
  v[0] = key0;
  v[1] = key1 ^ 0xee;
  v[2] = 0x6c796765 ^ key0;
  v[3] = 0x74656462 ^ key1;
  const length = text.length;
  const whole = length & ~1;
  for (let index = 0; index < whole; index += 2) {
    compress(v, text.charCodeAt(index) | (text.charCodeAt(index + 1) << 16));
  }
  // Last block: the length in bytes (mod 256) in the top byte, an odd last unit below.
  compress(v, ((length * 2) << 24) | (whole < length ? text.charCodeAt(whole) : 0));
  v[2] ^= 0xee;
  for (let round = 0; round < 4; round++) sipRound(v);
  fingerprintLo = v[1] ^ v[3];
  v[1] ^= 0xdd;
  for (let round = 0; round < 4; round++) sipRound(v);
  fingerprintHi = v[1] ^ v[3];
}

/** HalfSipHash's state v0..v3, reused by every call (no allocation). */
const state = new Int32Array(4);

/** One message word: two SipRounds (the "2" of 2-4). */
function compress(v: Int32Array, word: number): void {
  v[3] ^= word;
  sipRound(v);
  sipRound(v);
  v[0] ^= word;
}

function sipRound(v: Int32Array): void {
  let v0 = v[0] as number;
  let v1 = v[1] as number;
  let v2 = v[2] as number;
  let v3 = v[3] as number;
  v0 = (v0 + v1) | 0;
  v1 = (v1 << 5) | (v1 >>> 27);
  v1 ^= v0;
  v0 = (v0 << 16) | (v0 >>> 16);
  v2 = (v2 + v3) | 0;
  v3 = (v3 << 8) | (v3 >>> 24);
  v3 ^= v2;
  v0 = (v0 + v3) | 0;
  v3 = (v3 << 7) | (v3 >>> 25);
  v3 ^= v0;
  v2 = (v2 + v1) | 0;
  v1 = (v1 << 13) | (v1 >>> 19);
  v1 ^= v2;
  v2 = (v2 << 16) | (v2 >>> 16);
  v[0] = v0;
  v[1] = v1;
  v[2] = v2;
  v[3] = v3;
}

function randomKey(): [number, number] {
  const words = randomFillSync(new Int32Array(2));
  return [words[0] as number, words[1] as number];
}

function hex(word: number): string {
  return (word >>> 0).toString(16).padStart(8, '0');
}
