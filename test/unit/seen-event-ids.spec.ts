import { afterEach, describe, expect, it, vi } from 'vitest';
import { SeenEventIds } from '../../lib/processor/seen-event-ids';

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

  it('is off with a zero ttl or capacity', () => {
    const seen = new SeenEventIds(0, 10);
    expect(seen.add('x')).toBe(true);
    expect(seen.add('x')).toBe(true);
  });
});
