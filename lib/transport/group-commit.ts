interface QueuedRequest<T> {
  items: readonly T[];
  size: number;
  resolve(answers: boolean[]): void;
  reject(error: unknown): void;
}

/**
 * Group commit: requests that arrive while a commit is running wait for it and then go
 * together in one commit. No added latency when traffic is light, one round trip for many
 * requests when it is heavy. Each request gets the answers of its own items, in order.
 */
export class GroupCommit<T> {
  private readonly queued: QueuedRequest<T>[] = [];
  private flushing = false;

  constructor(
    /** Most items one commit takes (a request larger than this goes alone). */
    private readonly maxItems: number,
    /** Most total size one commit takes (a request larger than this goes alone). */
    private readonly maxSize: number,
    private readonly sizeOf: (item: T) => number,
    /** Commits the items of several requests at once: one answer per item, in order. */
    private readonly commit: (items: readonly T[]) => Promise<boolean[]>,
  ) {}

  submit(items: readonly T[]): Promise<boolean[]> {
    return new Promise((resolve, reject) => {
      let size = 0;
      for (const item of items) size += this.sizeOf(item);
      this.queued.push({ items, size, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queued.length > 0) {
        const group = this.nextGroup();
        try {
          const answers = await this.commit(group.flatMap((request) => request.items));
          let offset = 0;
          for (const request of group) {
            request.resolve(answers.slice(offset, offset + request.items.length));
            offset += request.items.length;
          }
        } catch (error) {
          for (const request of group) request.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The oldest queued requests, as many as fit in `maxItems` and `maxSize` (at least one). */
  private nextGroup(): QueuedRequest<T>[] {
    const group: QueuedRequest<T>[] = [];
    let items = 0;
    let size = 0;
    while (this.queued.length > 0) {
      const next = this.queued[0] as QueuedRequest<T>;
      const full = items + next.items.length > this.maxItems || size + next.size > this.maxSize;
      if (group.length > 0 && full) break;
      group.push(next);
      items += next.items.length;
      size += next.size;
      this.queued.shift();
    }
    return group;
  }
}
