import type { ConnectionOptions } from 'node:tls';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type {
  CallAutomationRedisOptions,
  RedisNode,
} from '../options/call-automation-options.interface';
import type { Ioredis } from './load-ioredis';
import { redactRedisUrl } from './redis-url';

export type { RedisNode };

/** Where the bus's Redis is, in one of the three forms users deploy it. */
export type RedisTarget = (
  | { kind: 'standalone'; url: string }
  | { kind: 'cluster'; nodes: readonly RedisNode[] }
  | { kind: 'sentinel'; sentinels: readonly RedisNode[]; name: string }
) & {
  /** TLS settings (e.g. `{ ca }`), for `rediss://` URLs and cluster / sentinel nodes. */
  tls?: ConnectionOptions;
  /** Credentials of the Redis nodes (any form) and of the sentinels (Sentinel form). */
  credentials?: RedisCredentials;
};

/** `redis.username`, `password`, `sentinelUsername`, `sentinelPassword`. */
export interface RedisCredentials {
  username?: string;
  password?: string;
  sentinelUsername?: string;
  sentinelPassword?: string;
}

/** A connection of any form: both classes take the same commands and emit the same events. */
export type RedisClient = Redis | Cluster;

/** The target fit for logs and error messages (no password). */
export function describeRedisTarget(target: RedisTarget): string {
  const nodes = (list: readonly RedisNode[]) =>
    list.map(({ host, port }) => `${host}:${port}`).join(', ');
  switch (target.kind) {
    case 'standalone':
      return redactRedisUrl(target.url);
    case 'cluster':
      return `the Redis Cluster of ${nodes(target.nodes)}`;
    case 'sentinel':
      return `the primary '${target.name}' of the sentinels ${nodes(target.sentinels)}`;
  }
}

/** The options that say where Redis is, for "check …" in error messages. */
export function redisOptionsOf(target: RedisTarget): string {
  const where = {
    standalone: 'redis.url',
    cluster: 'redis.cluster',
    sentinel: 'redis.sentinels and redis.name',
  }[target.kind];
  const also = [
    ...(target.tls === undefined ? [] : ['redis.tls']),
    ...Object.keys(target.credentials ?? {}).map((key) => `redis.${key}`),
  ];
  return also.length === 0 ? where : `${where} (and ${also.join(', ')})`;
}

/**
 * One connection to the target. `options` are those of a single connection; on a cluster they
 * apply to each node's connection, except what only the cluster client takes (the offline
 * queue).
 */
export function createRedisClient(
  ioredis: Ioredis,
  target: RedisTarget,
  options: RedisOptions,
): RedisClient {
  const tls = target.tls === undefined ? {} : { tls: target.tls };
  const { username, password, sentinelUsername, sentinelPassword } = target.credentials ?? {};
  // The nodes' credentials: ioredis's `username` / `password` (on a cluster, per node).
  const auth = {
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
  switch (target.kind) {
    case 'standalone':
      return new ioredis.Redis(target.url, { ...options, ...tls, ...auth });
    case 'sentinel':
      return new ioredis.Redis({
        ...options,
        ...tls,
        ...auth,
        ...(sentinelUsername === undefined ? {} : { sentinelUsername }),
        ...(sentinelPassword === undefined ? {} : { sentinelPassword }),
        sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
        name: target.name,
        // The sentinels themselves are reached like the nodes (TLS when the nodes use it).
        ...(target.tls === undefined
          ? {}
          : { enableTLSForSentinelMode: true, sentinelTLS: target.tls }),
        // Asks the sentinels again, for ever: after a failover the primary is another node.
        sentinelRetryStrategy: (attempt: number) => options.retryStrategy?.(attempt) ?? null,
        // No `failoverDetector`: with ioredis 6.0.0 it left connections closed for good after
        // some failovers (seen under load in test/redis/sentinel.spec.ts); reconnecting asks
        // the sentinels for the primary anyway.
      });
    case 'cluster': {
      const { lazyConnect, enableOfflineQueue, retryStrategy, ...nodeOptions } = options;
      const clusterOptions: ClusterOptions = {
        lazyConnect,
        clusterRetryStrategy: (attempt) => retryStrategy?.(attempt) ?? null,
        redisOptions: { ...nodeOptions, ...tls, ...auth },
        ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
      };
      return new ioredis.Cluster(
        target.nodes.map(({ host, port }) => ({ host, port })),
        clusterOptions,
      );
    }
  }
}

/** The forms of the `redis` option, as the bus takes them (validated by resolve-redis-options.ts). */
export type RedisLocation = Pick<
  CallAutomationRedisOptions,
  | 'url'
  | 'cluster'
  | 'sentinels'
  | 'name'
  | 'tls'
  | 'username'
  | 'password'
  | 'sentinelUsername'
  | 'sentinelPassword'
>;

/** The target a `redis` option names: cluster, else sentinels, else the URL. */
export function redisTargetOf(location: RedisLocation): RedisTarget {
  const credentials: RedisCredentials = {};
  for (const key of ['username', 'password', 'sentinelUsername', 'sentinelPassword'] as const) {
    const value = location[key];
    if (value !== undefined) credentials[key] = value;
  }
  const tls = {
    ...(location.tls === undefined ? {} : { tls: location.tls }),
    ...(Object.keys(credentials).length === 0 ? {} : { credentials }),
  };
  if (location.cluster !== undefined && location.cluster.length > 0) {
    return { kind: 'cluster', nodes: location.cluster, ...tls };
  }
  if (location.sentinels !== undefined && location.sentinels.length > 0) {
    if (location.name === undefined) {
      throw new Error('redis.sentinels needs redis.name (the name the sentinels monitor)');
    }
    return { kind: 'sentinel', sentinels: location.sentinels, name: location.name, ...tls };
  }
  if (location.url === undefined) {
    throw new Error('the redis option needs url, cluster or sentinels');
  }
  return { kind: 'standalone', url: location.url, ...tls };
}
