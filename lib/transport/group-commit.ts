interface QueuedRequest<T> {
  items: readonly T[];
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
    /** Commits the items of several requests at once: one answer per item, in order. */
    private readonly commit: (items: readonly T[]) => Promise<boolean[]>,
  ) {}

  submit(items: readonly T[]): Promise<boolean[]> {
    return new Promise((resolve, reject) => {
      this.queued.push({ items, resolve, reject });
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

  /** The oldest queued requests, as many as fit in `maxItems` (at least one). */
  private nextGroup(): QueuedRequest<T>[] {
    const group: QueuedRequest<T>[] = [];
    let size = 0;
    while (this.queued.length > 0) {
      const next = this.queued[0] as QueuedRequest<T>;
      if (group.length > 0 && size + next.items.length > this.maxItems) break;
      group.push(next);
      size += next.items.length;
      this.queued.shift();
    }
    return group;
  }
}
