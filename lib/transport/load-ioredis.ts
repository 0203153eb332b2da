import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { CallAutomationConfigurationError } from '../errors/call-automation-configuration.error';

/** The `Redis` class of ioredis (v5 or v6). */
export type RedisConstructor = {
  new (url: string, options: RedisOptions): Redis;
  new (options: RedisOptions): Redis;
};

/** The `Cluster` class of ioredis (v5 or v6). */
export type ClusterConstructor = new (nodes: ClusterNode[], options: ClusterOptions) => Cluster;

/** The two client classes of ioredis the bus uses. */
export interface Ioredis {
  Redis: RedisConstructor;
  Cluster: ClusterConstructor;
}

/** How ioredis is imported; replaceable so that a missing package can be tested. */
export type IoredisImporter = () => Promise<unknown>;

/**
 * Loads ioredis on first use, so that it stays an optional peer dependency: only apps that set
 * the `redis` option need it. A dynamic `import()` works from the CommonJS build and from ESM.
 */
export async function loadIoredis(
  importer: IoredisImporter = () => import('ioredis'),
): Promise<Ioredis> {
  let loaded: unknown;
  try {
    loaded = await importer();
  } catch (error) {
    throw missingIoredis(`it could not be loaded: ${(error as Error)?.message ?? String(error)}`);
  }
  const Redis = findClass(loaded, 'Redis');
  if (Redis === undefined) throw missingIoredis('it does not export a Redis class');
  const Cluster =
    findClass(loaded, 'Cluster') ?? (Redis as unknown as { Cluster?: unknown }).Cluster;
  if (typeof Cluster !== 'function') throw missingIoredis('it does not export a Cluster class');
  return { Redis: Redis as RedisConstructor, Cluster: Cluster as ClusterConstructor };
}

/** `import()` of a CommonJS package gives `{ Redis, default: module.exports }`, depending on the loader. */
function findClass(loaded: unknown, name: 'Redis' | 'Cluster'): unknown {
  const candidates = [loaded, (loaded as { default?: unknown } | null)?.default];
  for (const candidate of candidates) {
    if (typeof candidate !== 'object' && typeof candidate !== 'function') continue;
    if (candidate === null) continue;
    const named = (candidate as Record<string, unknown>)[name];
    if (typeof named === 'function') return named;
  }
  if (name === 'Cluster') return undefined;
  const fallback = (loaded as { default?: unknown } | null)?.default;
  return typeof fallback === 'function' ? fallback : undefined;
}

function missingIoredis(reason: string): CallAutomationConfigurationError {
  return new CallAutomationConfigurationError(
    `CallAutomationModule: the redis option needs the ioredis package (an optional peer dependency), but ${reason}. Install it with: npm install ioredis`,
  );
}
