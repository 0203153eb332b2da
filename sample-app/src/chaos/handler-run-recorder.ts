import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { type CallEvent, type CallEventMetadata, OnCallEvent } from 'nestjs-call-automation';
import type { SampleConfig } from '../config';
import { SAMPLE_CONFIG } from '../tokens';

/** The hash of run counts per CloudEvent id, under the sample's key prefix. */
export const handlerRunsKey = (keyPrefix: string): string => `${keyPrefix}handler-runs`;

/**
 * With SAMPLE_RECORD_HANDLER_RUNS=true (and REDIS_URL): counts every @OnCallEvent run, per
 * CloudEvent id, in a Redis hash shared by the replicas, so a test can check from outside that
 * every event answered 200 had its handlers run somewhere, and how often (duplicates after a
 * crash). The count is taken when the handler starts: a run cut short by a crash counts.
 */
@Injectable()
export class HandlerRunRecorder implements OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly key: string;

  constructor(@Inject(SAMPLE_CONFIG) config: SampleConfig) {
    if (config.redisUrl === undefined) {
      throw new Error('SAMPLE_RECORD_HANDLER_RUNS needs REDIS_URL: the runs are counted in Redis.');
    }
    this.redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    this.key = handlerRunsKey(config.redisKeyPrefix);
  }

  @OnCallEvent('*')
  async record(_event: CallEvent, metadata: CallEventMetadata): Promise<void> {
    await this.redis.hincrby(this.key, metadata.id, 1);
  }

  /**
   * Last of the shutdown hooks: handlers still run during the drain and until the module's
   * beforeApplicationShutdown has let them finish (closing in onModuleDestroy lost their counts).
   */
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
