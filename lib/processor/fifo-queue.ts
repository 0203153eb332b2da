/** An item of a FifoQueue: removed by flagging it, so removal from the middle costs O(1). */
export interface QueueItem {
  removed: boolean;
}

/**
 * Items in arrival order with O(1) push, O(1) amortized access to the oldest live item and
 * O(1) removal anywhere (flag the item, then call `removed()`). A Map or Set used as a queue
 * is not O(1): V8 skips the holes left by deletions at the front on every iteration.
 * Flagged items are dropped from the front as they are met, and the array is compacted once
 * they outnumber the live ones.
 */
export class FifoQueue<T extends QueueItem> {
  private items: T[] = [];
  private head = 0;
  private live = 0;

  get size(): number {
    return this.live;
  }

  push(item: T): void {
    this.items.push(item);
    this.live++;
  }

  /** Length of the backing array (live and not yet dropped items), for tests of the bound. */
  get capacityInUse(): number {
    return this.items.length;
  }

  /** Call once for each of this queue's items after flagging it `removed`. */
  removed(): void {
    this.live--;
    if (this.live === 0) {
      this.items = [];
      this.head = 0;
    } else this.compact();
  }

  /** The oldest live item. */
  first(): T | undefined {
    while (this.head < this.items.length) {
      const item = this.items[this.head] as T;
      if (!item.removed) return item;
      this.head++;
    }
    return undefined;
  }

  /**
   * Drops removed items, those passed at the front included, once they outnumber the live
   * ones: the array never holds more than about twice the live items, and each item is copied
   * O(1) times on average.
   */
  private compact(): void {
    const dead = this.items.length - this.live;
    if (dead > 64 && dead > this.live) {
      this.items = this.items.slice(this.head).filter((item) => !item.removed);
      this.head = 0;
    }
  }

  /** Live items, oldest first. Flagging items while iterating is safe. */
  *[Symbol.iterator](): IterableIterator<T> {
    const items = this.items;
    for (let index = this.head; index < items.length; index++) {
      const item = items[index] as T;
      if (!item.removed) yield item;
    }
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.live = 0;
  }
}
