import { SweepTimer } from './timer';

/**
 * A Map whose entries live `ttlMs` and which never holds more than `maxSize` of them (past
 * that, the oldest goes first). Expiry is checked on every read and write, and one timer,
 * due when the oldest entry expires, empties it when idle. Used for the ids already seen
 * (de-duplication) and for calls that recently disconnected.
 */
export class ExpiringMap<K, V> {
  /** Insertion order is expiry order: every entry gets the same ttl. */
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();
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
    this.entries.delete(key);
    return undefined;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** Adds or renews an entry (a renewed entry moves to the back). */
  set(key: K, value: V): void {
    if (!this.enabled) return;
    const now = this.now();
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    while (this.entries.size > this.maxSize) {
      this.entries.delete(this.entries.keys().next().value as K);
      this.evicted++;
    }
    this.timer.schedule(this.sweep(now));
  }

  /** Sets the entry only when the key is absent (or expired); false when it was present. */
  setIfAbsent(key: K, value: V): boolean {
    if (this.has(key)) return false;
    this.set(key, value);
    return true;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.timer.cancel();
  }

  /** Drops expired entries; returns when the oldest remaining one expires. */
  private sweep(now: number): number | undefined {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) return entry.expiresAt;
      this.entries.delete(key);
    }
    return undefined;
  }
}
