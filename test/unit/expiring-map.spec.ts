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

  it('setIfAbsent reports duplicates within the ttl only', () => {
    vi.useFakeTimers();
    const map = new ExpiringMap<string, true>(1_000, 10);
    expect(map.setIfAbsent('id', true)).toBe(true);
    expect(map.setIfAbsent('id', true)).toBe(false);
    vi.advanceTimersByTime(1_001);
    expect(map.setIfAbsent('id', true)).toBe(true);
  });

  it('is off with a zero ttl or size', () => {
    const map = new ExpiringMap<string, true>(0, 10);
    expect(map.setIfAbsent('id', true)).toBe(true);
    expect(map.setIfAbsent('id', true)).toBe(true);
  });
});
