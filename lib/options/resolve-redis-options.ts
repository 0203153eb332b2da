import { DEFAULT_REDIS_KEY_PREFIX } from '../constants';
import { describeValue } from '../events/event-filter';
import type { ResolvedCallAutomationOptions } from './call-automation-options.interface';
import { fail } from './option-checks';

/** `redis`: scale-out over Redis. */
export function resolveRedisOptions(value: unknown): ResolvedCallAutomationOptions['redis'] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`redis must be an object { url, keyPrefix? }, got ${describeValue(value)}`);
  }
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!['url', 'keyPrefix'].includes(key)) {
      fail(`unknown option 'redis.${key}'. redis takes url and keyPrefix`);
    }
  }
  if (typeof input.url !== 'string' || !/^rediss?:\/\//.test(input.url)) {
    fail(`redis.url must be a redis:// or rediss:// URL, got ${describeValue(input.url)}`);
  }
  const keyPrefix = input.keyPrefix === undefined ? DEFAULT_REDIS_KEY_PREFIX : input.keyPrefix;
  if (typeof keyPrefix !== 'string') {
    fail(`redis.keyPrefix must be a string, got ${describeValue(input.keyPrefix)}`);
  }
  return { url: input.url, keyPrefix };
}
