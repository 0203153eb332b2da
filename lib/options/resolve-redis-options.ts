import {
  DEFAULT_REDIS_HANDLER_CLAIM_TIMEOUT_MS,
  DEFAULT_REDIS_KEY_PREFIX,
  DEFAULT_REDIS_MAX_STREAM_BYTES,
} from '../constants';
import { describeValue } from '../events/event-filter';
import type { ResolvedCallAutomationOptions } from './call-automation-options.interface';
import { count, fail } from './option-checks';

const REDIS_KEYS = ['url', 'keyPrefix', 'handlerClaimTimeoutMs', 'maxStreamBytes'];

/** `redis`: scale-out over Redis. */
export function resolveRedisOptions(value: unknown): ResolvedCallAutomationOptions['redis'] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(
      `redis must be an object { url, keyPrefix?, handlerClaimTimeoutMs?, maxStreamBytes? }, got ${describeValue(value)}`,
    );
  }
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!REDIS_KEYS.includes(key)) {
      fail(
        `unknown option 'redis.${key}'. redis takes url, keyPrefix, handlerClaimTimeoutMs and maxStreamBytes`,
      );
    }
  }
  if (typeof input.url !== 'string' || !/^rediss?:\/\//.test(input.url)) {
    fail(`redis.url must be a redis:// or rediss:// URL, got ${describeValue(input.url)}`);
  }
  const keyPrefix = input.keyPrefix === undefined ? DEFAULT_REDIS_KEY_PREFIX : input.keyPrefix;
  if (typeof keyPrefix !== 'string') {
    fail(`redis.keyPrefix must be a string, got ${describeValue(input.keyPrefix)}`);
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
  return { url: input.url, keyPrefix, handlerClaimTimeoutMs, maxStreamBytes };
}
