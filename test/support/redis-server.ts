import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort, LocalRedisServer } from 'nestjs-call-automation/testing';

export interface RedisUnderTest {
  url: string;
  /** True when this helper runs the server (so it can stop, pause and restart it). */
  owned: boolean;
  /** A plain client for checks (CLIENT LIST, keys); closed by `close()`. */
  admin: Redis;
  /** A keyPrefix no other test uses. */
  uniquePrefix(): string;
  /** Kills the server (as a crash would). Owned servers only. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (no persistence). Owned servers only. */
  start(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  resume(): void;
  /** Deletes the keys of the prefixes handed out, stops an owned server. */
  close(): Promise<void>;
}

/**
 * A Redis for tests: `REDIS_URL` when set (unless `own` is asked for), otherwise a
 * `redis-server` of our own on a free loopback port, without persistence. Fails with an
 * install hint when neither is available: never a silent skip.
 */
export async function useRedis(options: { own?: boolean } = {}): Promise<RedisUnderTest> {
  const external = process.env.REDIS_URL;
  if (external && !options.own) return wrap(external, undefined);
  try {
    const server = await LocalRedisServer.start();
    return wrap(server.url, server);
  } catch (error) {
    const why = options.own
      ? 'This test stops and restarts Redis, so it needs the redis-server binary even when REDIS_URL is set.'
      : 'No REDIS_URL is set and no redis-server could be started.';
    throw new Error(`${why} ${(error as Error).message}`);
  }
}

function wrap(url: string, server: LocalRedisServer | undefined): RedisUnderTest {
  const admin = new Redis(url, {
    protocol: 2,
    maxRetriesPerRequest: null,
    retryStrategy: () => 50,
  });
  admin.on('error', () => {}); // reconnects on its own across restarts
  const prefixes: string[] = [];
  const owned = (): LocalRedisServer => {
    if (server === undefined) throw new Error('Only a Redis started by the test can be stopped.');
    return server;
  };
  return {
    url,
    owned: server !== undefined,
    admin,
    uniquePrefix() {
      const prefix = `test:${randomUUID()}:`;
      prefixes.push(prefix);
      return prefix;
    },
    stop: () => owned().stop(),
    start: () => owned().restart(),
    pause: () => owned().pause(),
    resume: () => owned().resume(),
    async close() {
      if (server === undefined && prefixes.length > 0) {
        await admin.del(
          ...prefixes.flatMap((prefix) =>
            [`events`, `seen`, `sizes`, `bytes`].map((key) => `${prefix}${key}`),
          ),
        );
      }
      admin.disconnect();
      await server?.stop();
    },
  };
}

/** A port nothing listens on (for "Redis is down at start-up"). */
export function closedPort(): Promise<number> {
  return freePort();
}
