import type { Redis, RedisOptions } from 'ioredis';
import { CallAutomationConfigurationError } from '../errors/call-automation-configuration.error';

/** The `Redis` class of ioredis (v5 or v6). */
export type RedisConstructor = new (url: string, options: RedisOptions) => Redis;

/** How ioredis is imported; replaceable so that a missing package can be tested. */
export type IoredisImporter = () => Promise<unknown>;

/**
 * Loads ioredis on first use, so that it stays an optional peer dependency: only apps that set
 * the `redis` option need it. A dynamic `import()` works from the CommonJS build and from ESM.
 */
export async function loadIoredis(
  importer: IoredisImporter = () => import('ioredis'),
): Promise<RedisConstructor> {
  let loaded: unknown;
  try {
    loaded = await importer();
  } catch (error) {
    throw missingIoredis(`it could not be loaded: ${(error as Error)?.message ?? String(error)}`);
  }
  const Redis = findRedisClass(loaded);
  if (Redis === undefined) throw missingIoredis('it does not export a Redis class');
  return Redis;
}

/** `import()` of a CommonJS package gives `{ Redis, default: module.exports }`, depending on the loader. */
function findRedisClass(loaded: unknown): RedisConstructor | undefined {
  const candidates = [loaded, (loaded as { default?: unknown } | null)?.default];
  for (const candidate of candidates) {
    if (typeof candidate !== 'object' && typeof candidate !== 'function') continue;
    if (candidate === null) continue;
    const named = (candidate as { Redis?: unknown }).Redis;
    if (typeof named === 'function') return named as RedisConstructor;
  }
  const fallback = (loaded as { default?: unknown } | null)?.default;
  return typeof fallback === 'function' ? (fallback as RedisConstructor) : undefined;
}

function missingIoredis(reason: string): CallAutomationConfigurationError {
  return new CallAutomationConfigurationError(
    `CallAutomationModule: the redis option needs the ioredis package (an optional peer dependency), but ${reason}. Install it with: npm install ioredis`,
  );
}
