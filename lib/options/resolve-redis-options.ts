import {
  DEFAULT_REDIS_HANDLER_CLAIM_TIMEOUT_MS,
  DEFAULT_REDIS_KEY_PREFIX,
  DEFAULT_REDIS_MAX_STREAM_BYTES,
} from '../constants';
import { describeValue } from '../events/event-filter';
import type { RedisNode, ResolvedCallAutomationOptions } from './call-automation-options.interface';
import { count, fail } from './option-checks';

const REDIS_KEYS = [
  'url',
  'cluster',
  'sentinels',
  'name',
  'tls',
  'username',
  'password',
  'sentinelUsername',
  'sentinelPassword',
  'keyPrefix',
  'handlerClaimTimeoutMs',
  'maxStreamBytes',
  'waitForReplicas',
];

const FORMS =
  '{ url } (standalone, redis:// or rediss://), { cluster: [{ host, port }] } (Redis Cluster) or { sentinels: [{ host, port }], name } (Sentinel)';

/** `redis`: scale-out over Redis. */
export function resolveRedisOptions(value: unknown): ResolvedCallAutomationOptions['redis'] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`redis must be an object, one of ${FORMS}, got ${describeValue(value)}`);
  }
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!REDIS_KEYS.includes(key)) {
      fail(`unknown option 'redis.${key}'. redis takes ${REDIS_KEYS.join(', ')}`);
    }
  }
  const forms = ['url', 'cluster', 'sentinels'].filter((key) => input[key] !== undefined);
  if (forms.length !== 1) {
    fail(
      forms.length === 0
        ? `redis needs one of url, cluster or sentinels: ${FORMS}`
        : `redis takes only one of url, cluster and sentinels, got ${forms.join(' and ')}`,
    );
  }
  const location: Pick<
    NonNullable<ResolvedCallAutomationOptions['redis']>,
    'url' | 'cluster' | 'sentinels' | 'name'
  > = {};
  if (input.url !== undefined) {
    if (typeof input.url !== 'string' || !/^rediss?:\/\//.test(input.url)) {
      fail(`redis.url must be a redis:// or rediss:// URL, got ${describeValue(input.url)}`);
    }
    location.url = input.url;
  }
  if (input.cluster !== undefined) location.cluster = nodes(input.cluster, 'redis.cluster');
  if (input.sentinels !== undefined) {
    location.sentinels = nodes(input.sentinels, 'redis.sentinels');
    if (typeof input.name !== 'string' || input.name === '') {
      fail(
        `redis.sentinels needs redis.name, the name of the primary the sentinels monitor (as in 'sentinel monitor <name> ...'), got ${describeValue(input.name)}`,
      );
    }
    location.name = input.name;
  } else if (input.name !== undefined) {
    fail('redis.name is the Sentinel primary name: it goes with redis.sentinels');
  }
  const tls = input.tls;
  if (tls !== undefined && (typeof tls !== 'object' || tls === null || Array.isArray(tls))) {
    fail(
      `redis.tls must be an object of Node.js TLS options (e.g. { ca }), got ${describeValue(tls)}`,
    );
  }
  const credentials = resolveCredentials(input, location);
  const keyPrefix = input.keyPrefix === undefined ? DEFAULT_REDIS_KEY_PREFIX : input.keyPrefix;
  if (typeof keyPrefix !== 'string') {
    fail(`redis.keyPrefix must be a string, got ${describeValue(input.keyPrefix)}`);
  }
  if (location.cluster !== undefined && keyPrefix === '') {
    fail(
      "redis.keyPrefix must not be empty with redis.cluster: it becomes the hash tag that keeps the module's keys in one slot",
    );
  }
  const handlerClaimTimeoutMs = count(
    input.handlerClaimTimeoutMs,
    'redis.handlerClaimTimeoutMs',
    DEFAULT_REDIS_HANDLER_CLAIM_TIMEOUT_MS,
  );
  if (handlerClaimTimeoutMs < 100) {
    fail(
      `redis.handlerClaimTimeoutMs must be at least 100 (ms), got ${handlerClaimTimeoutMs}: shorter would run handlers again while they are still running`,
    );
  }
  const maxStreamBytes = count(
    input.maxStreamBytes,
    'redis.maxStreamBytes',
    DEFAULT_REDIS_MAX_STREAM_BYTES,
  );
  if (maxStreamBytes < 1024) {
    fail(`redis.maxStreamBytes must be at least 1024, got ${maxStreamBytes}`);
  }
  const waitForReplicas = count(input.waitForReplicas, 'redis.waitForReplicas', 0);
  return {
    ...location,
    waitForReplicas,
    ...(tls === undefined ? {} : { tls }),
    ...credentials,
    keyPrefix,
    handlerClaimTimeoutMs,
    maxStreamBytes,
  };
}

type Credentials = Pick<
  NonNullable<ResolvedCallAutomationOptions['redis']>,
  'username' | 'password' | 'sentinelUsername' | 'sentinelPassword'
>;

/** username / password (any form), sentinelUsername / sentinelPassword (sentinels only). */
function resolveCredentials(
  input: Record<string, unknown>,
  location: { url?: string; sentinels?: RedisNode[] },
): Credentials {
  const credentials: Credentials = {};
  for (const key of ['username', 'password', 'sentinelUsername', 'sentinelPassword'] as const) {
    const value = input[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '') {
      // The value itself is a secret: never echoed.
      fail(
        `redis.${key} must be a non-empty string, got ${typeof value === 'string' ? 'an empty string' : typeof value}`,
      );
    }
    credentials[key] = value;
  }
  if (location.sentinels === undefined) {
    for (const key of ['sentinelUsername', 'sentinelPassword'] as const) {
      if (credentials[key] !== undefined) {
        fail(
          `redis.${key} is for the sentinels themselves: it goes with redis.sentinels (the nodes' credentials are redis.username and redis.password)`,
        );
      }
    }
  }
  if (location.url !== undefined) {
    // ioredis would quietly prefer the URL's: say so instead.
    const url = safeUrl(location.url);
    if (credentials.password !== undefined && url?.password) {
      fail('redis.password is given and redis.url has a password too: give it once');
    }
    if (credentials.username !== undefined && url?.username) {
      fail('redis.username is given and redis.url has a user too: give it once');
    }
  }
  return credentials;
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** A non-empty list of `{ host, port }`. */
function nodes(value: unknown, name: string): RedisNode[] {
  const valid =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (node) =>
        typeof node === 'object' &&
        node !== null &&
        typeof node.host === 'string' &&
        node.host !== '' &&
        Number.isInteger(node.port) &&
        node.port > 0 &&
        node.port < 65_536,
    );
  if (!valid) {
    fail(`${name} must be a non-empty array of { host, port }, got ${describeValue(value)}`);
  }
  return (value as RedisNode[]).map(({ host, port }) => ({ host, port }));
}
