import type { Logger } from '@nestjs/common';
import { LoopStop } from './loop-stop';
import { fieldOf, type StreamEntry } from './redis-stream-reader';
import type { RedisClient } from './redis-target';

export interface HandlerConsumerSettings {
  streamKey: string;
  /** The cluster's consumer group (one per key prefix). */
  group: string;
  /** This replica's name in the group: unique per bus instance. */
  consumer: string;
  /** An entry taken but not acknowledged for this long is taken over by another replica. */
  claimTimeoutMs: number;
}

/** Most entries taken per read. */
const READ_COUNT = 128;
/**
 * Most entries whose handlers run at once on this replica: bounds this consumer's share of the
 * group's pending list (entries taken, not yet acknowledged).
 */
const MAX_ENTRIES_IN_FLIGHT = 256;
/** Longest wait of one blocking read. */
const BLOCK_MS = 5_000;
/** Pause after an unexpected error reply before trying again. */
const ERROR_PAUSE_MS = 1_000;
/** Consumers with nothing pending and idle this long are dropped from the group (dead replicas). */
const IDLE_CONSUMER_MS = 300_000;

/**
 * Runs the `@OnCallEvent` handlers of the stream's entries once per cluster, through a Redis
 * stream consumer group: each entry goes to one replica (XREADGROUP), which acknowledges it
 * (XACK) once its handlers have settled. Entries a replica took and did not acknowledge within
 * `claimTimeoutMs` (it died, or the acknowledgement was lost) are taken over by a live one
 * (XAUTOCLAIM, Redis 6.2+), so every entry's handlers run at least once, normally once.
 *
 * - Its connection waits through outages; after a reconnect it first reads the entries the
 *   group gave it and whose reply may have been lost (its own pending list, from `0`).
 * - While handlers run, their entries are touched every third of `claimTimeoutMs` (XCLAIM to
 *   itself), so a long handler (a whole call flow) is not taken over while it runs.
 * - Acknowledgements go through `acker` (the publishing connection), so they are not queued
 *   behind the blocking read; a failed one is retried on the next round.
 */
export class RedisHandlerConsumer {
  private running: Promise<void> | undefined;
  private readonly halt = new LoopStop();
  /** Entries whose handlers run now (id -> settled promise). */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Acknowledgements that failed, sent again on the next round. */
  private readonly unacknowledged = new Set<string>();
  private readonly acknowledging = new Set<Promise<void>>();
  /** Read this consumer's own pending entries (from this id) before new ones. */
  private ownPendingFrom: string | undefined = '0';
  private nextClaimAt = 0;
  /** False once this replica drains: it keeps its running entries and takes no others. */
  private taking = true;
  private nextConsumerSweepAt = 0;

  constructor(
    private readonly client: RedisClient,
    private readonly acker: RedisClient,
    private readonly settings: HandlerConsumerSettings,
    /**
     * Runs the entry's handlers; resolves once they have settled: true to acknowledge the
     * entry, false to leave it to another replica (this one is closing).
     */
    private readonly runEntry: (entry: StreamEntry) => Promise<boolean>,
    private readonly logger: Logger,
  ) {
    // After a reconnect, the reply of a read in flight may have been lost with its entries.
    client.on('ready', () => {
      this.ownPendingFrom = '0';
    });
  }

  /** Interval of the takeover round and of touching entries whose handlers still run. */
  private get roundMs(): number {
    return Math.max(Math.floor(this.settings.claimTimeoutMs / 3), 50);
  }

  start(): void {
    this.running ??= this.loop().catch((error: unknown) =>
      this.logger.error(`The handler consumer stopped: ${(error as Error).message}`),
    );
  }

  /**
   * Stops taking entries. Entries whose handlers still run stay unacknowledged: another replica
   * takes them over after `claimTimeoutMs`. Waits for acknowledgements already sent.
   */
  async stop(): Promise<void> {
    this.halt.stop();
    await this.running;
    await Promise.all([...this.acknowledging]);
  }

  /**
   * Takes no new entries and none of other consumers' (drain): they go to the other replicas.
   * Entries whose handlers run here are still touched and acknowledged. Entries that a read
   * already waiting still brings are handed back (see `release`).
   */
  stopTaking(): void {
    this.taking = false;
  }

  /** Creates the group when it does not exist (at the stream's end); idempotent. */
  async ensureGroup(): Promise<void> {
    const { streamKey, group } = this.settings;
    try {
      await this.call('XGROUP', 'CREATE', streamKey, group, '$', 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).startsWith('BUSYGROUP')) throw error;
    }
  }

  private async loop(): Promise<void> {
    while (!this.halt.isStopped) {
      try {
        if (this.inFlight.size >= MAX_ENTRIES_IN_FLIGHT) {
          await Promise.race([...this.inFlight.values(), this.halt.pause(this.roundMs)]);
          continue;
        }
        if (Date.now() >= this.nextClaimAt) {
          await this.round();
          this.nextClaimAt = Date.now() + this.roundMs;
          continue;
        }
        if (!this.taking) {
          await this.halt.pause(Math.max(this.nextClaimAt - Date.now(), 1));
          continue;
        }
        if (this.ownPendingFrom !== undefined) {
          // Entries the group gave this consumer before (e.g. in a reply lost in a reconnect).
          const entries = await this.readGroup(this.ownPendingFrom);
          this.ownPendingFrom = entries.at(-1)?.id;
          this.take(entries);
          continue;
        }
        const block = Math.min(BLOCK_MS, Math.max(this.nextClaimAt - Date.now(), 1));
        const entries = await this.readGroup('>', block);
        if (!this.halt.isStopped) this.take(entries);
      } catch (error) {
        if (this.halt.isStopped) return;
        const message = (error as Error).message;
        if (message.startsWith('NOGROUP')) {
          // The stream or its group is gone (a Redis restart without persistence): create it
          // again at the end; the hand-over script creates it too before its first append.
          await this.halt.until(this.ensureGroup()).catch(() => undefined);
          continue;
        }
        this.logger.error(
          `Could not read the handler group ${this.settings.group} of ${this.settings.streamKey}: ${message}`,
        );
        await this.halt.pause(ERROR_PAUSE_MS);
      }
    }
  }

  /**
   * XREADGROUP: new entries (`>`, waiting up to `blockMs`), or this consumer's pending entries
   * after id `from`.
   */
  private async readGroup(
    from: string,
    blockMs?: number,
  ): Promise<{ id: string; fields: string[] | null }[]> {
    const { group, consumer, streamKey } = this.settings;
    const count = Math.min(READ_COUNT, MAX_ENTRIES_IN_FLIGHT - this.inFlight.size);
    const block = blockMs === undefined ? [] : ['BLOCK', blockMs];
    const reply = await this.call(
      'XREADGROUP',
      'GROUP',
      group,
      consumer,
      'COUNT',
      count,
      ...block,
      'STREAMS',
      streamKey,
      from,
    );
    return entriesOf(reply);
  }

  /**
   * Every third of the claim timeout: retries failed acknowledgements, touches the entries
   * whose handlers still run, takes over the entries other consumers left, and now and then
   * drops dead consumers from the group.
   */
  private async round(): Promise<void> {
    const { streamKey, group, consumer, claimTimeoutMs } = this.settings;
    if (this.unacknowledged.size > 0) {
      const ids = [...this.unacknowledged];
      await this.call('XACK', streamKey, group, ...ids);
      for (const id of ids) this.unacknowledged.delete(id);
    }
    if (this.inFlight.size > 0) {
      await this.call('XCLAIM', streamKey, group, consumer, 0, ...this.inFlight.keys(), 'JUSTID');
    }
    if (!this.taking) return;
    let cursor = '0-0';
    do {
      const reply = (await this.call(
        'XAUTOCLAIM',
        streamKey,
        group,
        consumer,
        claimTimeoutMs,
        cursor,
        'COUNT',
        Math.max(MAX_ENTRIES_IN_FLIGHT - this.inFlight.size, 1),
      )) as [string, [string, string[] | null][], string[] | undefined];
      cursor = reply[0];
      const claimed = reply[1].filter(([id]) => !this.inFlight.has(id));
      if (claimed.length > 0) {
        this.logger.warn(
          `Took over ${claimed.length} event stream entr${claimed.length === 1 ? 'y' : 'ies'} of ${streamKey} that a replica did not finish within redis.handlerClaimTimeoutMs (${claimTimeoutMs} ms): running their @OnCallEvent handlers here.`,
        );
      }
      this.take(claimed.map(([id, fields]) => ({ id, fields })));
      const trimmed = reply[2]?.length ?? 0;
      if (trimmed > 0) this.reportTrimmed(trimmed);
    } while (
      cursor !== '0-0' &&
      this.inFlight.size < MAX_ENTRIES_IN_FLIGHT &&
      !this.halt.isStopped
    );
    if (Date.now() >= this.nextConsumerSweepAt) {
      this.nextConsumerSweepAt = Date.now() + IDLE_CONSUMER_MS;
      await this.dropDeadConsumers();
    }
  }

  /** Consumers with nothing pending, idle for long: replicas that are gone. */
  private async dropDeadConsumers(): Promise<void> {
    const { streamKey, group, consumer } = this.settings;
    const consumers = (await this.call('XINFO', 'CONSUMERS', streamKey, group)) as unknown[][];
    for (const fields of consumers) {
      const info = new Map<unknown, unknown>();
      for (let index = 0; index + 1 < fields.length; index += 2) {
        info.set(fields[index], fields[index + 1]);
      }
      const name = String(info.get('name'));
      if (name === consumer || Number(info.get('pending')) > 0) continue;
      if (Number(info.get('idle')) < IDLE_CONSUMER_MS) continue;
      await this.call('XGROUP', 'DELCONSUMER', streamKey, group, name);
    }
  }

  /** Starts the handlers of entries not already running here; acknowledges each when done. */
  private take(entries: readonly { id: string; fields: string[] | null }[]): void {
    if (!this.taking) {
      this.release(entries.map(({ id }) => id));
      return;
    }
    let trimmed = 0;
    for (const { id, fields } of entries) {
      if (this.inFlight.has(id)) continue;
      const payload = fields === null ? undefined : fieldOf(fields, 'e');
      if (payload === undefined) {
        trimmed++;
        this.acknowledge(id); // nothing left to run
        continue;
      }
      const settled = this.runEntry({ id, payload })
        .catch((error: unknown) => {
          this.logger.error(
            `Running the handlers of stream entry ${id} failed: ${(error as Error).message}`,
          );
          return true; // the same would fail elsewhere
        })
        .then((done) => {
          this.inFlight.delete(id);
          if (done) this.acknowledge(id);
        });
      this.inFlight.set(id, settled);
    }
    if (trimmed > 0) this.reportTrimmed(trimmed);
  }

  /**
   * Hands entries back while draining: they stay in this consumer's pending list but look idle
   * for `claimTimeoutMs` (XCLAIM … IDLE), so another replica's next takeover round (within a
   * third of `claimTimeoutMs`) takes them. Should that fail, they are taken over after
   * `claimTimeoutMs` as those of a dead replica would be.
   */
  private release(ids: readonly string[]): void {
    if (ids.length === 0) return;
    const { streamKey, group, consumer, claimTimeoutMs } = this.settings;
    this.acker
      .call('XCLAIM', streamKey, group, consumer, 0, ...ids, 'IDLE', claimTimeoutMs, 'JUSTID')
      .catch(() => undefined);
  }

  /** A command on the consumer's connection, cut short when the consumer stops. */
  private call(command: string, ...args: (string | number)[]): Promise<unknown> {
    return this.halt.until(this.client.call(command, ...args));
  }

  private acknowledge(id: string): void {
    const { streamKey, group } = this.settings;
    const sent: Promise<void> = this.acker
      .call('XACK', streamKey, group, id)
      .then(
        () => undefined,
        () => {
          this.unacknowledged.add(id); // retried on the next round
        },
      )
      .finally(() => this.acknowledging.delete(sent));
    this.acknowledging.add(sent);
  }

  private reportTrimmed(count: number): void {
    this.logger.warn(
      `${count} event stream entr${count === 1 ? 'y' : 'ies'} of ${this.settings.streamKey} were trimmed (stream bounds) before their @OnCallEvent handlers ran; those handlers do not run. Raise the stream bounds or handlerClaimTimeoutMs' margin if this recurs.`,
    );
  }
}

/** XREADGROUP's answer: [[stream, [[id, [field, value, ...] | nil], ...]]] or nil. */
function entriesOf(reply: unknown): { id: string; fields: string[] | null }[] {
  if (reply === null) return [];
  const entries = (reply as [string, [string, string[] | null][]][])[0]?.[1] ?? [];
  return entries.map(([id, fields]) => ({ id, fields }));
}
