import { Logger } from '@nestjs/common';
import type { RedisOptions } from 'ioredis';
import { EventBusUnavailableError } from '../errors/event-bus-unavailable.error';
import type { CloudEvent } from '../events/cloud-event';
import { metadataOf, toCallEvent } from '../events/to-call-event';
import type { CallEventBus, CallEventSink, ReceivedEvent } from './call-event-bus.interface';
import { type IoredisImporter, loadIoredis } from './load-ioredis';
import { RedisConnectionMonitor } from './redis-connection-monitor';
import { runPublishScript } from './redis-publish.script';
import { RedisStreamReader, type StreamEntry } from './redis-stream-reader';
import { redactRedisUrl } from './redis-url';
import { STREAM_START_ID } from './stream-id';

export interface RedisEventBusOptions {
  url: string;
  keyPrefix: string;
  /** How long a CloudEvent id is remembered across the cluster. */
  dedupeTtlMs: number;
  /** Most CloudEvent ids remembered at once; past it the oldest is forgotten. */
  maxDedupeIds: number;
  /** Approximate bound of the stream's length (MAXLEN ~). @default 100000 */
  maxStreamEntries?: number;
  /** Entries older than this are trimmed (MINID ~, Redis 6.2+). @default 300000 (five minutes) */
  streamRetentionMs?: number;
  /** A hand-over that takes longer fails (the webhook answers 503). @default 2000 */
  publishTimeoutMs?: number;
  /** How long start-up waits for Redis. @default 5000 */
  connectTimeoutMs?: number;
}

export const DEFAULT_MAX_STREAM_ENTRIES = 100_000;
export const DEFAULT_STREAM_RETENTION_MS = 300_000;
const DEFAULT_PUBLISH_TIMEOUT_MS = 2_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Reconnect delays grow by 100 ms per attempt up to one second, and never stop. */
const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 1_000);

/** Most events one script run takes: bounds the time Redis spends in one script. */
const MAX_GROUP_EVENTS = 500;

interface QueuedPublish {
  events: readonly ReceivedEvent[];
  resolve(fresh: boolean[]): void;
  reject(error: unknown): void;
}

interface Connections {
  publisher: RedisConnectionMonitor;
  reader: RedisStreamReader;
  readerConnection: RedisConnectionMonitor;
}

/**
 * The bus of a cluster of replicas, on Redis:
 * - `publish` runs one Lua script per batch that drops ids seen anywhere in the cluster and
 *   appends the new events to a stream, atomically: a failed hand-over leaves no mark;
 * - every replica reads the stream from its last position on a connection of its own and
 *   hands each entry to its matching engine once, in stream order;
 * - the replica that published an entry hands it on at once when its reader is right behind
 *   (saves a round trip), and its reader then skips it.
 */
export class RedisEventBus implements CallEventBus {
  private readonly logger = new Logger('CallAutomation');
  private readonly url: string;
  private readonly streamKey: string;
  private readonly seenKey: string;
  private connecting: Promise<Connections> | undefined;
  private sink: CallEventSink | undefined;
  /** Events handed over before start(): their handlers run once the sink is known. */
  private readonly earlyHandlerRuns: ReceivedEvent[] = [];
  private closed = false;
  private readonly queued: QueuedPublish[] = [];
  private flushing = false;

  constructor(
    private readonly options: RedisEventBusOptions,
    private readonly importer?: IoredisImporter,
  ) {
    this.url = redactRedisUrl(options.url);
    this.streamKey = `${options.keyPrefix}events`;
    this.seenKey = `${options.keyPrefix}seen`;
  }

  /** Connects (start-up fails when Redis cannot be reached) and starts reading the stream. */
  async start(sink: CallEventSink): Promise<void> {
    const { reader } = await this.connect();
    if (this.closed) return;
    this.sink = sink;
    for (const received of this.earlyHandlerRuns.splice(0)) sink.runHandlers(received);
    reader.start();
  }

  /**
   * Hands a batch over. Batches that arrive while a hand-over is running wait for it and then
   * go together in one script run (group commit): no added latency when traffic is light, one
   * Redis round trip for many webhook requests when it is heavy.
   */
  publish(events: readonly ReceivedEvent[]): Promise<boolean[]> {
    if (events.length === 0) return Promise.resolve([]);
    if (this.closed) {
      return Promise.reject(
        new EventBusUnavailableError(
          'The Redis event bus is closed (the application is shutting down).',
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.queued.push({ events, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queued.length > 0) {
        const group: QueuedPublish[] = [];
        let size = 0;
        while (
          this.queued.length > 0 &&
          (group.length === 0 ||
            size + (this.queued[0] as QueuedPublish).events.length <= MAX_GROUP_EVENTS)
        ) {
          const next = this.queued.shift() as QueuedPublish;
          group.push(next);
          size += next.events.length;
        }
        try {
          const fresh = await this.handOver(group.flatMap((entry) => entry.events));
          let offset = 0;
          for (const entry of group) {
            entry.resolve(fresh.slice(offset, offset + entry.events.length));
            offset += entry.events.length;
          }
        } catch (error) {
          for (const entry of group) entry.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** One script run for these events (see redis-publish.script.ts). */
  private async handOver(events: readonly ReceivedEvent[]): Promise<boolean[]> {
    let connections: Connections;
    try {
      connections = await this.connect();
    } catch (error) {
      throw new EventBusUnavailableError((error as Error).message);
    }
    const { publisher, reader } = connections;
    if (!publisher.isReady) {
      throw new EventBusUnavailableError(
        `Redis is unreachable (${publisher.describeProblem()}); nothing was handed over.`,
      );
    }
    const ids: string[] = [];
    const payloads: string[] = [];
    for (const received of events) {
      ids.push(received.metadata.id);
      payloads.push(cloudEventText(received));
    }
    let result: Awaited<ReturnType<typeof runPublishScript>>;
    try {
      result = await runPublishScript(publisher.client, {
        streamKey: this.streamKey,
        seenKey: this.seenKey,
        dedupeTtlMs: this.options.dedupeTtlMs,
        maxDedupeIds: this.options.maxDedupeIds,
        maxStreamEntries: this.options.maxStreamEntries ?? DEFAULT_MAX_STREAM_ENTRIES,
        streamRetentionMs: this.options.streamRetentionMs ?? DEFAULT_STREAM_RETENTION_MS,
        ids,
        payloads,
      });
    } catch (error) {
      throw new EventBusUnavailableError(
        `Redis did not take the events (${(error as Error).message}).`,
      );
    }
    const sink = this.sink;
    if (sink === undefined) {
      for (let index = 0; index < events.length; index++) {
        if (result.fresh[index]) this.earlyHandlerRuns.push(events[index] as ReceivedEvent);
      }
      return result.fresh;
    }
    if (result.entryId !== undefined && reader.claim(result.previousId, result.entryId)) {
      for (let index = 0; index < events.length; index++) {
        if (result.fresh[index]) this.handOn(sink, events[index] as ReceivedEvent);
      }
    }
    // Handlers run once per cluster: on the replica that handed the event over.
    for (let index = 0; index < events.length; index++) {
      if (result.fresh[index]) sink.runHandlers(events[index] as ReceivedEvent);
    }
    return result.fresh;
  }

  /** Stops reading and closes both connections (pending hand-overs get their replies first). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sink = undefined;
    const connections = await this.connecting?.catch(() => undefined);
    if (connections === undefined) return;
    const reading = connections.reader.stop();
    connections.readerConnection.disconnect(); // cuts the pending XREAD short
    await Promise.all([reading, connections.publisher.close()]);
  }

  private connect(): Promise<Connections> {
    this.connecting ??= this.open().catch((error: unknown) => {
      this.connecting = undefined; // a later call tries again
      throw error;
    });
    return this.connecting;
  }

  private async open(): Promise<Connections> {
    const Redis = await loadIoredis(this.importer);
    const publisher = new RedisConnectionMonitor(
      new Redis(this.options.url, {
        ...this.connectionOptions('publish'),
        // Fail at once while disconnected, and after publishTimeoutMs when Redis stalls: the
        // webhook answers 503 and the sender retries; nothing waits in a queue.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: this.options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS,
      }),
      `publishing to ${this.url}`,
      this.logger,
      'Webhooks answer 503 until it is back.',
    );
    const readerConnection = new RedisConnectionMonitor(
      new Redis(this.options.url, {
        ...this.connectionOptions('read'),
        // The blocking read waits through outages and is sent again after reconnecting.
        maxRetriesPerRequest: null,
      }),
      `reading the event stream from ${this.url}`,
      this.logger,
      'Reading resumes from the last position.',
    );
    let startId: string;
    try {
      await Promise.all([publisher.client.connect(), readerConnection.client.connect()]);
      startId = await this.streamTail(publisher);
    } catch (error) {
      publisher.disconnect();
      readerConnection.disconnect();
      const cause =
        publisher.lastError?.message ??
        readerConnection.lastError?.message ??
        (error as Error).message;
      throw new EventBusUnavailableError(
        `CallAutomationModule: cannot connect to Redis at ${this.url} (${cause}). With the redis option set the module does not start without Redis: check redis.url and that Redis is running.`,
      );
    }
    const reader = new RedisStreamReader(
      readerConnection.client,
      this.streamKey,
      startId,
      (entry) => this.handOnEntry(entry),
      (error) =>
        this.logger.error(`Could not read the event stream ${this.streamKey}: ${error.message}`),
    );
    return { publisher, reader, readerConnection };
  }

  private connectionOptions(role: string): RedisOptions {
    return {
      lazyConnect: true,
      // RESP2: the same reply shapes with ioredis 5 and 6.
      protocol: 2,
      connectTimeout: this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      retryStrategy,
      connectionName: `nestjs-call-automation:${role}:${this.options.keyPrefix}`.replace(
        /[^\x21-\x7e]/g,
        '_',
      ),
    };
  }

  /** Id of the stream's newest entry: this replica reads what comes after it. */
  private async streamTail(publisher: RedisConnectionMonitor): Promise<string> {
    const last = (await publisher.client.call('XREVRANGE', this.streamKey, '+', '-', 'COUNT', 1)) as
      | [string, string[]][]
      | null;
    return last?.[0]?.[0] ?? STREAM_START_ID;
  }

  /** An entry of the stream, added by any replica: re-parsed and handed on. */
  private handOnEntry(entry: StreamEntry): void {
    const sink = this.sink;
    if (sink === undefined) return;
    let cloudEvents: CloudEvent[];
    try {
      cloudEvents = JSON.parse(entry.payload) as CloudEvent[];
    } catch (error) {
      this.logger.error(
        `Skipped stream entry ${entry.id} of ${this.streamKey}: ${(error as Error).message}`,
      );
      return;
    }
    // An entry of one event is that event's text, for the backlog (see ReceivedEvent.source).
    const source = cloudEvents.length === 1 ? entry.payload : undefined;
    for (const cloudEvent of cloudEvents) {
      // Parsed from the stream just now: the event may be its own data (no copy).
      const { event } = toCallEvent(cloudEvent, true);
      this.handOn(sink, { event, metadata: metadataOf(cloudEvent), cloudEvent, source });
    }
  }

  private handOn(sink: CallEventSink, received: ReceivedEvent): void {
    try {
      sink.deliver(received);
    } catch (error) {
      this.logger.error(
        `Delivering ${received.event.kind} ${received.metadata.id} failed: ${(error as Error).message}`,
        (error as Error).stack,
      );
    }
  }
}

/**
 * The JSON text of one CloudEvent for the stream: the text it arrived in when there is one
 * (a CloudEvent, or a batch of exactly this one event, whose brackets come off), else the
 * CloudEvent serialised.
 */
function cloudEventText(received: ReceivedEvent): string {
  const source = received.source?.trim();
  if (source === undefined) return JSON.stringify(received.cloudEvent);
  return source.startsWith('[') ? source.slice(1, -1) : source;
}
