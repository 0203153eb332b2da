import { afterEach, describe, expect, it, vi } from 'vitest';
import { SeenEventIds } from '../../lib/transport/seen-event-ids';

afterEach(() => {
  vi.useRealTimers();
});

describe('SeenEventIds', () => {
  it('reports an id seen within the ttl as a duplicate, and forgets it after', () => {
    vi.useFakeTimers();
    const seen = new SeenEventIds(1_000, 100);
    expect(seen.add('a')).toBe(true);
    expect(seen.add('a')).toBe(false);
    expect(seen.has('a')).toBe(true);
    vi.advanceTimersByTime(1_001);
    expect(seen.has('a')).toBe(false);
    expect(seen.add('a')).toBe(true);
  });

  it('keeps at most capacity ids, forgetting the oldest first', () => {
    const seen = new SeenEventIds(60_000, 1_000);
    for (let index = 0; index < 1_000_000; index++) seen.add(`id-${index}`);
    expect(seen.size).toBe(1_000);
    expect(seen.evicted).toBe(999_000);
    expect(seen.has('id-999999')).toBe(true);
    expect(seen.has('id-999000')).toBe(true);
    expect(seen.has('id-998999')).toBe(false);
    expect(seen.has('id-0')).toBe(false);
  });

  it('tells apart every id of a large set while it holds them', () => {
    const seen = new SeenEventIds(60_000, 200_000);
    for (let index = 0; index < 200_000; index++) {
      expect(seen.add(`00000000-0000-4000-8000-${index.toString().padStart(12, '0')}`)).toBe(true);
    }
    for (let index = 0; index < 200_000; index += 997) {
      expect(seen.add(`00000000-0000-4000-8000-${index.toString().padStart(12, '0')}`)).toBe(false);
    }
  });

  it('stays correct through expiry churn (rebuilds of its table)', () => {
    vi.useFakeTimers();
    const seen = new SeenEventIds(100, 500);
    for (let round = 0; round < 50; round++) {
      for (let index = 0; index < 400; index++) expect(seen.add(`r${round}-${index}`)).toBe(true);
      expect(seen.add(`r${round}-7`)).toBe(false);
      vi.advanceTimersByTime(101);
    }
    expect(seen.has('r49-0')).toBe(false); // expiry runs on use: no timer
    expect(seen.size).toBe(0);
  });

  /** `base` with bit 15 set in the characters marked '1' in `mask`. */
  const withBit15 = (base: string, mask: string): string =>
    [...base]
      .map((char, index) =>
        mask[index] === '1' ? String.fromCharCode(char.charCodeAt(0) | 0x8000) : char,
      )
      .join('');

  it('tells apart ids that differ only in bit 15 of some characters', () => {
    const base = '00000000-0000-4000-8000-000000000000';
    // A pair that an unkeyed hash of 16-bit characters mapped to one fingerprint (found by a
    // birthday search in about a second): the second was dropped as a duplicate.
    const collidedBefore = [
      withBit15(base, '110011110101010100011111011100011110'),
      withBit15(base, '000000100000101110101100110100000111'),
    ];
    const seen = new SeenEventIds(60_000, 100);
    for (const id of collidedBefore) expect(seen.add(id)).toBe(true);
    // Every mask of bit 15 over the last 16 characters: 2^16 ids, all different.
    const many = new SeenEventIds(60_000, 100_000);
    for (let mask = 0; mask < 65_536; mask++) {
      const marks = mask.toString(2).padStart(base.length, '0');
      expect(many.add(withBit15(base, marks))).toBe(true);
    }
  });

  it('tells apart ids that differ in any single bit of a character, and ids of other lengths', () => {
    const seen = new SeenEventIds(60_000, 100_000);
    const base = 'call-4f0c-event';
    expect(seen.add(base)).toBe(true);
    for (let index = 0; index < base.length; index++) {
      for (let bit = 0; bit < 16; bit++) {
        const flipped =
          base.slice(0, index) +
          String.fromCharCode(base.charCodeAt(index) ^ (1 << bit)) +
          base.slice(index + 1);
        expect(seen.add(flipped)).toBe(true);
      }
    }
    // A trailing NUL or an odd length must not look like a shorter id.
    expect(seen.add(`${base}\u0000`)).toBe(true);
    expect(seen.add(base.slice(0, -1))).toBe(true);
    expect(seen.add('')).toBe(true);
    expect(seen.add('\u0000')).toBe(true);
  });

  it('keys its fingerprints with a random key of its own', () => {
    const one = new SeenEventIds(60_000, 10);
    const other = new SeenEventIds(60_000, 10);
    const ids = ['a', 'PlayCompleted-1', '00000000-0000-4000-8000-000000000000'];
    // Equal fingerprints for all three under two random 64-bit keys: about 2^-192.
    expect(ids.map((id) => one.fingerprintOf(id))).not.toEqual(
      ids.map((id) => other.fingerprintOf(id)),
    );
    expect(one.fingerprintOf('a')).toBe(one.fingerprintOf('a'));
  });

  it("computes HalfSipHash-2-4-64 of the id's UTF-16LE bytes (the reference vectors)", () => {
    const seen = new SeenEventIds(60_000, 10, Date.now, [0x03020100, 0x07060504]);
    // Reference vectors for key 00..07 and messages 00 01 .. (n-1), as printed bytes.
    const vectors: Record<number, string> = {
      0: '218d1f59b9b83cc8',
      2: '064f39ef7c50eb57',
      4: 'd5e78a175be52ea1',
      10: '95b0469f06a6f2ee',
    };
    const word = (bytes: string) => bytes.match(/../g)?.reverse().join('');
    for (const [length, bytes] of Object.entries(vectors)) {
      let id = '';
      for (let byte = 0; byte < Number(length); byte += 2) {
        id += String.fromCharCode(byte | ((byte + 1) << 8));
      }
      expect(seen.fingerprintOf(id)).toBe(`${word(bytes.slice(8))}${word(bytes.slice(0, 8))}`);
    }
  });

  it('is off with a zero ttl or capacity', () => {
    const seen = new SeenEventIds(0, 10);
    expect(seen.add('x')).toBe(true);
    expect(seen.add('x')).toBe(true);
  });
});
