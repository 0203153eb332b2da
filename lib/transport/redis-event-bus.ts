import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import { CallAutomationEventError } from '../errors/call-automation-event.error';
import { EventBusUnavailableError } from '../errors/event-bus-unavailable.error';
import { ReplicasNotConfirmedError } from '../errors/replicas-not-confirmed.error';
import type { CallEventBus, CallEventSink, ReceivedEvent } from './call-event-bus.interface';
import { GroupCommit } from './group-commit';
import type { IoredisImporter } from './load-ioredis';
import type { RedisConnectionMonitor } from './redis-connection-monitor';
import { openRedisConnections } from './redis-connections';
import { RedisHandlerConsumer } from './redis-handler-consumer';
import { redisKeyBase } from './redis-key-base';
import { runPublishScript } from './redis-publish.script';
import { RedisStreamReader, type StreamEntry } from './redis-stream-reader';
import { type RedisLocation, redisTargetOf } from './redis-target';
import { decodeStreamPayload, eventTextOf } from './stream-payload';

export interface RedisEventBusOptions extends RedisLocation {
  keyPrefix: string;
  /** How long a CloudEvent id is remembered across the cluster. */
  dedupeTtlMs: number;
  /** Most CloudEvent ids remembered at once; past it the oldest is forgotten. */
  maxDedupeIds: number;
  /** Bound of the stream's length. @default 100000 */
  maxStreamEntries?: number;
  /** Entries older than this are trimmed. @default 300000 (five minutes) */
  streamRetentionMs?: number;
  /**
   * Handlers of an entry that a replica took and did not finish within this run again on
   * another replica. @default 30000
   */
  handlerClaimTimeoutMs?: number;
  /**
   * Bound of the stream in bytes of event JSON (the oldest entries go first); a batch larger
   * than this is refused. @default 67108864 (64 MiB)
   */
  maxStreamBytes?: number;
  /**
   * A hand-over succeeds only once this many Redis replicas confirmed it (`WAIT`, at most half
   * of publishTimeoutMs); otherwise the webhook answers 503. @default 0 (no wait)
   */
  waitForReplicas?: number;
  /** A hand-over that takes longer fails (the webhook answers 503). @default 2000 */
  publishTimeoutMs?: number;
  /** How long start-up waits for Redis. @default 5000 */
  connectTimeoutMs?: number;
}

export const DEFAULT_MAX_STREAM_ENTRIES = 100_000;
export const DEFAULT_STREAM_RETENTION_MS = 300_000;
const DEFAULT_HANDLER_CLAIM_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_STREAM_BYTES = 64 * 1024 * 1024;
const DEFAULT_PUBLISH_TIMEOUT_MS = 2_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** Most events one script run takes: bounds the time Redis spends in one script. */
const MAX_GROUP_EVENTS = 500;

/** An event with its JSON text for the stream. */
interface EncodedEvent {
  received: ReceivedEvent;
  text: string;
}

/**
 * The stream texts of one batch, made before it joins a group commit: an event that cannot be
 * serialised fails its own batch alone, with an error that names it.
 */
function encodeEvents(events: readonly ReceivedEvent[]): EncodedEvent[] {
  return events.map((received, index) => {
    try {
      return { received, text: eventTextOf(received) };
    } catch (error) {
      throw new CallAutomationEventError(
        `Event ${index} of the batch (${received.event.kind} ${received.metadata.id}) cannot be serialised for the Redis stream: ${(error as Error).message}. Events handed to processEvents must be JSON values (no BigInt, no cycles); nothing of this batch was handed over.`,
        index,
      );
    }
  });
}

/** What the bus holds once connected. */
interface Connected {
  publisher: RedisConnectionMonitor;
  readerConnection: RedisConnectionMonitor;
  reader: RedisStreamReader;
  handlerConnection: RedisConnectionMonitor;
  handlers: RedisHandlerConsumer;
}

/**
 * The bus of a cluster of replicas, on Redis:
 * - `publish` runs one Lua script per group of batches (group-commit.ts) that drops ids seen
 *   anywhere in the cluster and appends the new events to a stream, atomically: a failed
 *   hand-over leaves no mark (redis-publish.script.ts);
 * - every replica reads the stream from its last position on a connection of its own and
 *   hands each entry to its matching engine once, in stream order (redis-stream-reader.ts);
 * - the replica that published an entry hands it on at once when its reader is right behind
 *   (self-claim: saves a round trip), and its reader then skips it;
 * - the `@OnCallEvent` handlers of each entry run on one replica, which takes it from the
 *   stream's consumer group (redis-handler-consumer.ts): at least once per cluster, normally
 *   once, whichever replica accepted the webhook and whatever became of its answer.
 */
export class RedisEventBus implements CallEventBus {
  private readonly logger = new Logger('CallAutomation');
  /** keyPrefix, hash-tagged on a cluster (see redis-key-base.ts). */
  private readonly keyBase: string;
  private readonly streamKey: string;
  private readonly seenKey: string;
  private readonly group: string;
  private readonly maxStreamBytes: number;
  private connecting: Promise<Connected> | undefined;
  private sink: CallEventSink | undefined;
  private closed = false;
  private readonly commits: GroupCommit<EncodedEvent>;

  constructor(
    private readonly options: RedisEventBusOptions,
    private readonly importer?: IoredisImporter,
  ) {
    this.keyBase = redisKeyBase(options.keyPrefix, options.cluster !== undefined);
    this.streamKey = `${this.keyBase}events`;
    this.seenKey = `${this.keyBase}seen`;
    this.group = `${this.keyBase}handlers`;
    this.maxStreamBytes = options.maxStreamBytes ?? DEFAULT_MAX_STREAM_BYTES;
    // A group is one stream entry: it stays within the byte bound too.
    this.commits = new GroupCommit<EncodedEvent>(
      MAX_GROUP_EVENTS,
      this.maxStreamBytes,
      (encoded) => encoded.text.length,
      (events) => this.handOver(events),
    );
  }

  /**
   * Connects (start-up fails when Redis cannot be reached), starts reading the stream and
   * taking entries for handlers (those handed over before start() included: they wait in
   * the consumer group).
   */
  async start(sink: CallEventSink): Promise<void> {
    const { reader, handlers } = await this.connect();
    if (this.closed) return;
    this.sink = sink;
    reader.start();
    handlers.start();
  }

  /**
   * For health checks: undefined when the bus's three connections are ready and Redis answers
   * a PING within `timeoutMs`, else what is wrong.
   * @internal
   */
  async problem(timeoutMs: number): Promise<string | undefined> {
    if (this.connecting === undefined) return 'not connected yet (the module has not started)';
    let connected: Connected;
    try {
      connected = await this.connecting;
    } catch (error) {
      return (error as Error).message;
    }
    for (const monitor of [
      connected.publisher,
      connected.readerConnection,
      connected.handlerConnection,
    ]) {
      if (!monitor.isReady) return monitor.describeProblem();
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no answer to PING within ${timeoutMs} ms`), timeoutMs);
    });
    const answer = connected.publisher.client.ping().then(
      () => undefined,
      (error: unknown) => `PING failed: ${(error as Error).message}`,
    );
    try {
      return await Promise.race([answer, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Hands a batch over. Batches that arrive while a hand-over is running go together in the
   * next script run (group commit).
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
    let encoded: EncodedEvent[];
    try {
      encoded = encodeEvents(events);
    } catch (error) {
      return Promise.reject(error);
    }
    let length = 0;
    for (const { text } of encoded) length += text.length;
    if (length > this.maxStreamBytes) {
      return Promise.reject(
        new CallAutomationEventError(
          `A batch of ${events.length} event(s) (${length} characters of JSON, first ${events[0]?.event.kind} ${events[0]?.metadata.id}) is larger than redis.maxStreamBytes (${this.maxStreamBytes}): it was not handed over. Raise redis.maxStreamBytes, or send smaller batches.`,
        ),
      );
    }
    return this.commits.submit(encoded);
  }

  /** One script run for these events (see redis-publish.script.ts). */
  private async handOver(encoded: readonly EncodedEvent[]): Promise<boolean[]> {
    let connected: Connected;
    try {
      connected = await this.connect();
    } catch (error) {
      throw new EventBusUnavailableError((error as Error).message);
    }
    const { publisher, reader } = connected;
    if (!publisher.isReady) {
      throw new EventBusUnavailableError(
        `Redis is unreachable (${publisher.describeProblem()}); nothing was handed over.`,
      );
    }
    const waitTimeoutMs = Math.floor(
      (this.options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS) / 2,
    );
    let result: Awaited<ReturnType<typeof runPublishScript>>;
    try {
      result = await runPublishScript(publisher.client, {
        streamKey: this.streamKey,
        seenKey: this.seenKey,
        sizesKey: `${this.keyBase}sizes`,
        bytesKey: `${this.keyBase}bytes`,
        maxStreamBytes: this.maxStreamBytes,
        dedupeTtlMs: this.options.dedupeTtlMs,
        maxDedupeIds: this.options.maxDedupeIds,
        maxStreamEntries: this.options.maxStreamEntries ?? DEFAULT_MAX_STREAM_ENTRIES,
        streamRetentionMs: this.options.streamRetentionMs ?? DEFAULT_STREAM_RETENTION_MS,
        group: this.group,
        ids: encoded.map(({ received }) => received.metadata.id),
        payloads: encoded.map(({ text }) => text),
        waitForReplicas: this.options.waitForReplicas ?? 0,
        waitTimeoutMs,
      });
    } catch (error) {
      throw new EventBusUnavailableError(
        `Redis did not take the events (${(error as Error).message}).`,
      );
    }
    // Self-claim: everything before this entry was handed on, so this replica hands it on now.
    const sink = this.sink;
    if (
      sink !== undefined &&
      result.entryId !== undefined &&
      reader.claim(result.previousId, result.entryId)
    ) {
      for (let index = 0; index < encoded.length; index++) {
        if (result.fresh[index]) this.handOn(sink, (encoded[index] as EncodedEvent).received);
      }
    }
    // The handlers run where the consumer group hands the entry: see redis-handler-consumer.ts.
    const wanted = this.options.waitForReplicas ?? 0;
    if (result.replicas !== undefined && result.replicas < wanted) {
      // The events are in the stream (they are delivered), but a failover now could lose
      // them: the sender retries (a duplicate then) rather than count on them.
      throw new ReplicasNotConfirmedError(result.replicas, wanted, waitTimeoutMs);
    }
    return result.fresh;
  }

  /** Entries of the consumer group go to the other replicas from now on (drain). */
  stopTakingHandlers(): void {
    void this.connecting?.then(
      (connected) => connected.handlers.stopTaking(),
      () => undefined,
    );
  }

  /**
   * Stops reading, stops taking entries for handlers (those still running are not
   * acknowledged: another replica takes them over) and closes the connections (pending
   * hand-overs and acknowledgements get their replies first).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sink = undefined;
    const connected = await this.connecting?.catch(() => undefined);
    if (connected === undefined) return;
    const reading = connected.reader.stop();
    const consuming = connected.handlers.stop();
    // Cuts the pending blocking reads short.
    connected.readerConnection.disconnect();
    connected.handlerConnection.disconnect();
    await Promise.all([reading, consuming]);
    await connected.publisher.close();
  }

  private connect(): Promise<Connected> {
    this.connecting ??= this.open().catch((error: unknown) => {
      this.connecting = undefined; // a later call tries again
      throw error;
    });
    return this.connecting;
  }

  private async open(): Promise<Connected> {
    const { publisher, reader, handlers, startId } = await openRedisConnections(
      {
        target: redisTargetOf(this.options),
        keyPrefix: this.options.keyPrefix,
        streamKey: this.streamKey,
        publishTimeoutMs: this.options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS,
        connectTimeoutMs: this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      },
      this.logger,
      this.importer,
    );
    const streamReader = new RedisStreamReader(
      reader.client,
      this.streamKey,
      startId,
      (entry) => this.handOnEntry(entry),
      (error) =>
        this.logger.error(`Could not read the event stream ${this.streamKey}: ${error.message}`),
    );
    const consumer = new RedisHandlerConsumer(
      handlers.client,
      publisher.client,
      {
        streamKey: this.streamKey,
        group: this.group,
        consumer: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
        claimTimeoutMs: this.options.handlerClaimTimeoutMs ?? DEFAULT_HANDLER_CLAIM_TIMEOUT_MS,
      },
      (entry) => this.runHandlersOf(entry),
      this.logger,
    );
    try {
      await consumer.ensureGroup();
    } catch (error) {
      for (const connection of [publisher, reader, handlers]) connection.disconnect();
      throw new EventBusUnavailableError(
        `CallAutomationModule: cannot create the consumer group ${this.group} of ${this.streamKey} (${(error as Error).message}). Check that Redis is 6.2 or later and that ${this.streamKey} is a stream.`,
      );
    }
    return {
      publisher,
      readerConnection: reader,
      reader: streamReader,
      handlerConnection: handlers,
      handlers: consumer,
    };
  }

  /**
   * Runs the handlers of an entry the consumer group gave this replica; resolves when they
   * have settled: true to acknowledge it, false when closing (another replica runs them).
   */
  private async runHandlersOf(entry: StreamEntry): Promise<boolean> {
    const sink = this.sink;
    if (sink === undefined) return false;
    let events: ReceivedEvent[];
    try {
      events = decodeStreamPayload(entry.payload);
    } catch (error) {
      this.logger.error(
        `Skipped stream entry ${entry.id} of ${this.streamKey} (its handlers cannot run): ${(error as Error).message}`,
      );
      return true;
    }
    await Promise.all(events.map((received) => sink.runHandlers(received)));
    return true;
  }

  /** An entry of the stream, added by any replica: re-parsed and handed on. */
  private handOnEntry(entry: StreamEntry): void {
    const sink = this.sink;
    if (sink === undefined) return;
    let events: ReceivedEvent[];
    try {
      events = decodeStreamPayload(entry.payload);
    } catch (error) {
      this.logger.error(
        `Skipped stream entry ${entry.id} of ${this.streamKey}: ${(error as Error).message}`,
      );
      return;
    }
    for (const received of events) this.handOn(sink, received);
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
