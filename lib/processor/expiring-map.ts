import { FifoQueue, type QueueItem } from './fifo-queue';
import { SweepTimer } from './timer';

interface Entry<K, V> extends QueueItem {
  readonly key: K;
  readonly value: V;
  readonly expiresAt: number;
}

/**
 * A Map whose entries live `ttlMs` and which never holds more than `maxSize` of them (past
 * that, the oldest goes first). Expiry is checked on every read and write, and one timer,
 * due when the oldest entry expires, empties it when idle. Used for calls that recently
 * disconnected.
 */
export class ExpiringMap<K, V> {
  private readonly entries = new Map<K, Entry<K, V>>();
  /** Insertion order is expiry order: every entry gets the same ttl. */
  private readonly order = new FifoQueue<Entry<K, V>>();
  private readonly timer = new SweepTimer(() => this.sweep(this.now()));
  /** Entries dropped for room before their time. */
  evicted = 0;

  constructor(
    readonly ttlMs: number,
    readonly maxSize: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get enabled(): boolean {
    return this.ttlMs > 0 && this.maxSize > 0;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.now()) return entry.value;
    this.remove(entry);
    return undefined;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** Adds or renews an entry (a renewed entry moves to the back). */
  set(key: K, value: V): void {
    if (!this.enabled) return;
    const now = this.now();
    const previous = this.entries.get(key);
    if (previous !== undefined) this.remove(previous);
    const entry: Entry<K, V> = { removed: false, key, value, expiresAt: now + this.ttlMs };
    this.entries.set(key, entry);
    this.order.push(entry);
    while (this.entries.size > this.maxSize) {
      this.remove(this.order.first() as Entry<K, V>);
      this.evicted++;
    }
    this.timer.schedule(this.sweep(now));
  }

  delete(key: K): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.remove(entry);
    return true;
  }

  clear(): void {
    this.entries.clear();
    this.order.clear();
    this.timer.cancel();
  }

  private remove(entry: Entry<K, V>): void {
    if (entry.removed) return;
    entry.removed = true;
    this.order.removed();
    this.entries.delete(entry.key);
  }

  /** Drops expired entries; returns when the oldest remaining one expires. */
  private sweep(now: number): number | undefined {
    for (let entry = this.order.first(); entry !== undefined; entry = this.order.first()) {
      if (entry.expiresAt > now) return entry.expiresAt;
      this.remove(entry);
    }
    return undefined;
  }
}
