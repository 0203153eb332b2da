import type { AudioData } from '@azure/communication-call-automation';

/**
 * The inbound AudioData of one session, from the moment it opened, for `audio()`: a ring of at
 * most `capacity` frames. When the consumer is slower than ACS (or never reads), the OLDEST
 * frames are dropped and counted: memory stays bounded, and a consumer that catches up hears
 * the most recent audio, which is what a live voice agent wants. Readers take frames in
 * arrival order; the iteration ends once the queue is ended and empty.
 */
export class InboundAudioQueue {
  private readonly ring: (AudioData | undefined)[];
  private head = 0;
  private length = 0;
  private ended = false;
  private droppedCount = 0;
  /** A reader waiting for the next frame (one at a time: frames are not shared). */
  private waiting: ((result: IteratorResult<AudioData, undefined>) => void)[] = [];

  constructor(readonly capacity: number) {
    this.ring = new Array(capacity);
  }

  /** Frames dropped because the queue was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Frames queued now. */
  get size(): number {
    return this.length;
  }

  push(frame: AudioData): void {
    if (this.ended) return;
    const reader = this.waiting.shift();
    if (reader !== undefined) {
      reader({ value: frame, done: false });
      return;
    }
    if (this.length === this.capacity) {
      // Full: the oldest frame goes.
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.length--;
      this.droppedCount++;
    }
    this.ring[(this.head + this.length) % this.capacity] = frame;
    this.length++;
  }

  /** No more frames will come; readers get what is queued, then the end. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const reader of this.waiting.splice(0)) reader({ value: undefined, done: true });
  }

  /** The next frame, or the end once ended and empty. */
  next(): Promise<IteratorResult<AudioData, undefined>> {
    if (this.length > 0) {
      const frame = this.ring[this.head] as AudioData;
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.length--;
      return Promise.resolve({ value: frame, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** An iterator over the queue; leaving it (`break`) leaves the frames not read for the next one. */
  iterator(): AsyncIterableIterator<AudioData> {
    let finished = false;
    const iterator: AsyncIterableIterator<AudioData> = {
      next: () =>
        finished
          ? Promise.resolve({ value: undefined, done: true })
          : (this.next() as Promise<IteratorResult<AudioData>>),
      return: () => {
        finished = true;
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}
