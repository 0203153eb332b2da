import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExpiringMap } from '../../lib/processor/expiring-map';

afterEach(() => {
  vi.useRealTimers();
});

describe('ExpiringMap', () => {
  it('forgets entries after their ttl, with one timer, even when idle', () => {
    vi.useFakeTimers();
    const map = new ExpiringMap<string, number>(1_000, 100);
    map.set('a', 1);
    vi.advanceTimersByTime(500);
    map.set('b', 2);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(501);
    expect(map.size).toBe(1);
    expect(map.get('a')).toBeUndefined();
    expect(map.get('b')).toBe(2);
    vi.advanceTimersByTime(500);
    expect(map.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never holds more than maxSize entries', () => {
    const map = new ExpiringMap<number, true>(60_000, 1_000);
    for (let index = 0; index < 100_000; index++) map.set(index, true);
    expect(map.size).toBe(1_000);
    expect(map.evicted).toBe(99_000);
    expect(map.has(99_999)).toBe(true);
    expect(map.has(0)).toBe(false);
    map.clear();
  });

  it('renews an entry that is set again', () => {
    vi.useFakeTimers();
    const map = new ExpiringMap<string, number>(1_000, 10);
    map.set('id', 1);
    vi.advanceTimersByTime(600);
    map.set('id', 2);
    vi.advanceTimersByTime(600);
    expect(map.get('id')).toBe(2);
    vi.advanceTimersByTime(401);
    expect(map.get('id')).toBeUndefined();
  });

  it('is off with a zero ttl or size', () => {
    const map = new ExpiringMap<string, true>(0, 10);
    map.set('id', true);
    expect(map.has('id')).toBe(false);
  });
});
