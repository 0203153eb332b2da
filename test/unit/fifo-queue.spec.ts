import { describe, expect, it } from 'vitest';
import { FifoQueue } from '../../lib/processor/fifo-queue';

interface Item {
  removed: boolean;
  value: number;
}

const item = (value: number): Item => ({ removed: false, value });

function remove(queue: FifoQueue<Item>, target: Item): void {
  target.removed = true;
  queue.removed();
}

describe('FifoQueue', () => {
  it('keeps arrival order and skips removed items', () => {
    const queue = new FifoQueue<Item>();
    const items = [1, 2, 3, 4].map(item);
    for (const entry of items) queue.push(entry);
    remove(queue, items[0] as Item);
    remove(queue, items[2] as Item);
    expect(queue.size).toBe(2);
    expect(queue.first()?.value).toBe(2);
    expect([...queue].map((entry) => entry.value)).toEqual([2, 4]);
  });

  it('stays correct through heavy churn and compaction', () => {
    const queue = new FifoQueue<Item>();
    const live: Item[] = [];
    let next = 0;
    for (let round = 0; round < 20_000; round++) {
      const entry = item(next++);
      queue.push(entry);
      live.push(entry);
      if (round % 3 === 0) remove(queue, live.shift() as Item); // from the front
      if (round % 7 === 0 && live.length > 2) remove(queue, live.splice(1, 1)[0] as Item); // from the middle
    }
    expect(queue.size).toBe(live.length);
    expect(queue.first()).toBe(live[0]);
    expect([...queue]).toEqual(live);
  });
});

describe('FifoQueue memory', () => {
  it('does not keep items removed from the front (a queue that never empties stays small)', () => {
    const queue = new FifoQueue<Item>();
    const live: Item[] = [];
    for (let index = 0; index < 100_000; index++) {
      const entry = item(index);
      queue.push(entry);
      live.push(entry);
      if (live.length > 100) remove(queue, live.shift() as Item);
      queue.first();
    }
    expect(queue.size).toBe(100);
    expect(queue.capacityInUse).toBeLessThan(400);
  });
});
