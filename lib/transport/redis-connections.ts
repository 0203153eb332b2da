import type { Logger } from '@nestjs/common';
import type { RedisOptions } from 'ioredis';
import { EventBusUnavailableError } from '../errors/event-bus-unavailable.error';
import { type IoredisImporter, loadIoredis } from './load-ioredis';
import { RedisConnectionMonitor, withNodeCause } from './redis-connection-monitor';
import {
  createRedisClient,
  describeRedisTarget,
  type RedisTarget,
  redisOptionsOf,
} from './redis-target';
import { STREAM_START_ID } from './stream-id';

export interface RedisConnectionSettings {
  /** Where Redis is (with its password). */
  target: RedisTarget;
  keyPrefix: string;
  streamKey: string;
  publishTimeoutMs: number;
  connectTimeoutMs: number;
}

/** The bus's connections, each watched, and where this replica starts reading the stream. */
export interface RedisConnections {
  /** Short commands (the hand-over script): fails at once while Redis is unreachable. */
  publisher: RedisConnectionMonitor;
  /** The blocking stream read: waits through outages. */
  reader: RedisConnectionMonitor;
  /** The blocking read of the handlers' consumer group: waits through outages. */
  handlers: RedisConnectionMonitor;
  /** Id of the stream's newest entry at connection time: this replica reads what follows. */
  startId: string;
}

/** Reconnect delays grow by 100 ms per attempt up to one second, and never stop. */
const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 1_000);

/**
 * Opens the bus's connections; fails (with a message that says what to check) when Redis
 * cannot be reached within `connectTimeoutMs`.
 */
export async function openRedisConnections(
  settings: RedisConnectionSettings,
  logger: Logger,
  importer?: IoredisImporter,
): Promise<RedisConnections> {
  const ioredis = await loadIoredis(importer);
  const where = describeRedisTarget(settings.target);
  const publisher = new RedisConnectionMonitor(
    createRedisClient(ioredis, settings.target, {
      ...connectionOptions(settings, 'publish'),
      // Fail at once while disconnected, and after publishTimeoutMs when Redis stalls: the
      // webhook answers 503 and the sender retries; nothing waits in a queue.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: settings.publishTimeoutMs,
    }),
    `publishing to ${where}`,
    logger,
    'Webhooks answer 503 until it is back.',
  );
  const reader = new RedisConnectionMonitor(
    createRedisClient(ioredis, settings.target, {
      ...connectionOptions(settings, 'read'),
      // The blocking read waits through outages and is sent again after reconnecting.
      maxRetriesPerRequest: null,
    }),
    `reading the event stream from ${where}`,
    logger,
    'Reading resumes from the last position.',
  );
  const handlers = new RedisConnectionMonitor(
    createRedisClient(ioredis, settings.target, {
      ...connectionOptions(settings, 'handlers'),
      maxRetriesPerRequest: null,
    }),
    `running handlers from ${where}`,
    logger,
    'Handlers of new events run once it is back.',
  );
  const all = [publisher, reader, handlers];
  try {
    // The connections' own connectTimeout does not bound everything: through sentinels that
    // refuse us (a wrong sentinelPassword), ioredis asks them again for ever.
    await withDeadline(
      Promise.all(all.map((connection) => connection.client.connect())),
      settings.connectTimeoutMs,
    );
    const startId = await streamTail(publisher, settings.streamKey);
    return { publisher, reader, handlers, startId };
  } catch (error) {
    for (const connection of all) connection.disconnect();
    const cause =
      all.find((connection) => connection.lastError)?.lastError?.message ??
      withNodeCause(error as Error).message;
    throw new EventBusUnavailableError(
      `CallAutomationModule: cannot connect to Redis at ${where} (${cause}). With the redis option set the module does not start without Redis: check ${redisOptionsOf(settings.target)} and that Redis is running.`,
    );
  }
}

function connectionOptions(settings: RedisConnectionSettings, role: string): RedisOptions {
  return {
    lazyConnect: true,
    // RESP2: the same reply shapes with ioredis 5 and 6.
    protocol: 2,
    connectTimeout: settings.connectTimeoutMs,
    retryStrategy,
    connectionName: `nestjs-call-automation:${role}:${settings.keyPrefix}`.replace(
      /[^\x21-\x7e]/g,
      '_',
    ),
  };
}

/** Id of the stream's newest entry (the start id for an empty stream). */
async function streamTail(publisher: RedisConnectionMonitor, streamKey: string): Promise<string> {
  const last = (await publisher.client.call('XREVRANGE', streamKey, '+', '-', 'COUNT', 1)) as
    | [string, string[]][]
    | null;
  return last?.[0]?.[0] ?? STREAM_START_ID;
}

/** The promise's outcome, or a rejection once `ms` have passed. */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not connected within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
