import type { ResolvedCallAutomationOptions } from '../options/call-automation-options.interface';
import type { CallEventBus } from './call-event-bus.interface';
import { InProcessEventBus } from './in-process-event-bus';
import { RedisEventBus } from './redis-event-bus';

/** In-process, or Redis when `redis` is set. */
export function createEventBus(options: ResolvedCallAutomationOptions): CallEventBus {
  if (options.redis !== undefined) {
    return new RedisEventBus({
      url: options.redis.url,
      cluster: options.redis.cluster,
      sentinels: options.redis.sentinels,
      name: options.redis.name,
      tls: options.redis.tls,
      username: options.redis.username,
      password: options.redis.password,
      sentinelUsername: options.redis.sentinelUsername,
      sentinelPassword: options.redis.sentinelPassword,
      waitForReplicas: options.redis.waitForReplicas,
      keyPrefix: options.redis.keyPrefix,
      handlerClaimTimeoutMs: options.redis.handlerClaimTimeoutMs,
      maxStreamBytes: options.redis.maxStreamBytes,
      dedupeTtlMs: options.dedupeTtlMs,
      maxDedupeIds: options.maxDedupeIds,
    });
  }
  return new InProcessEventBus(options.dedupeTtlMs, options.maxDedupeIds);
}
