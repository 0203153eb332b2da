import { LoopStop } from './loop-stop';
import type { RedisClient } from './redis-target';
import { compareStreamIds } from './stream-id';

/** Most stream entries read per round trip. */
const READ_COUNT = 512;
/** How long one XREAD waits for new entries before it is sent again. */
const BLOCK_MS = 5_000;
/** Pause after an unexpected error reply (wrong key type, ...) before reading again. */
const ERROR_PAUSE_MS = 1_000;

/** One stream entry: its id and the JSON array of CloudEvents it holds. */
export interface StreamEntry {
  id: string;
  payload: string;
}

/**
 * Reads the event stream on a dedicated connection, from this replica's last position, and
 * hands every entry on once, in stream order. The connection waits through outages
 * (`maxRetriesPerRequest: null`): ioredis resends the pending XREAD, still from the last
 * position, once it has reconnected, so nothing added meanwhile is skipped.
 */
export class RedisStreamReader {
  private lastId: string;
  private running: Promise<void> | undefined;
  private readonly halt = new LoopStop();

  constructor(
    private readonly client: RedisClient,
    private readonly streamKey: string,
    startId: string,
    private readonly onEntry: (entry: StreamEntry) => void,
    private readonly onError: (error: Error) => void,
  ) {
    this.lastId = startId;
  }

  /** The id of the last entry handed on. */
  get position(): string {
    return this.lastId;
  }

  get isRunning(): boolean {
    return this.running !== undefined && !this.halt.isStopped;
  }

  start(): void {
    this.running ??= this.loop().catch((error: unknown) => this.onError(error as Error));
  }

  /**
   * Lets the replica that added entry `id` hand it on at once instead of waiting for its own
   * read: allowed only when everything up to `previousId`, the entry right before it, was
   * handed on already (so stream order holds). The read loop then skips it.
   */
  claim(previousId: string, id: string): boolean {
    if (!this.isRunning || this.lastId !== previousId) return false;
    this.lastId = id;
    return true;
  }

  /** Ends the loop, cutting a pending XREAD short. */
  async stop(): Promise<void> {
    this.halt.stop();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.halt.isStopped) {
      let reply: unknown;
      try {
        reply = await this.halt.until(
          this.client.call(
            'XREAD',
            'COUNT',
            READ_COUNT,
            'BLOCK',
            BLOCK_MS,
            'STREAMS',
            this.streamKey,
            this.lastId,
          ),
        );
      } catch (error) {
        if (this.halt.isStopped) return;
        this.onError(error as Error);
        await this.halt.pause(ERROR_PAUSE_MS);
        continue;
      }
      if (reply !== null && !this.halt.isStopped) this.handOn(reply);
    }
  }

  /** XREAD's answer: [[stream, [[id, [field, value, ...]], ...]]]. */
  private handOn(reply: unknown): void {
    const entries = (reply as [string, [string, string[]][]][])[0]?.[1] ?? [];
    for (const [id, fields] of entries) {
      // Entries up to lastId were handed on already (claimed by a local publish).
      if (compareStreamIds(id, this.lastId) <= 0) continue;
      this.lastId = id;
      const payload = fieldOf(fields, 'e');
      if (payload !== undefined) this.onEntry({ id, payload });
      if (this.halt.isStopped) return;
    }
  }
}

/** The value of a field of a stream entry (`[field, value, ...]`). */
export function fieldOf(fields: readonly string[], name: string): string | undefined {
  for (let index = 0; index + 1 < fields.length; index += 2) {
    if (fields[index] === name) return fields[index + 1];
  }
  return undefined;
}
