import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallAutomationEventError } from '../../lib/errors/call-automation-event.error';
import { metadataOf, toCallEvent } from '../../lib/events/to-call-event';
import type { ReceivedEvent } from '../../lib/transport/call-event-bus.interface';
import { RedisEventBus } from '../../lib/transport/redis-event-bus';
import { startApp } from '../support/app';
import { cloudEvent } from '../support/events';
import { type RedisUnderTest, useRedis } from '../support/redis-server';
import { waitFor } from './cluster';

const MiB = 1024 * 1024;

function largeEvent(bytes: number): ReceivedEvent {
  const event = cloudEvent('PlayCompleted', {
    callConnectionId: 'call-large',
    operationContext: 'x'.repeat(bytes),
  });
  return { event: toCallEvent(event).event, metadata: metadataOf(event), cloudEvent: event };
}

describe('Redis memory bound', () => {
  let redis: RedisUnderTest;

  beforeAll(async () => {
    redis = await useRedis({ own: true }); // INFO memory of a server no other test writes to
  });
  afterAll(async () => {
    await redis?.close();
  });

  async function usedMemory(): Promise<number> {
    const info = String(await redis.admin.call('INFO', 'memory'));
    return Number(/used_memory:(\d+)/.exec(info)?.[1]);
  }

  async function bytesOfKeys(prefix: string): Promise<number> {
    let total = 0;
    for (const key of await redis.admin.keys(`${prefix}*`)) {
      total += Number(await redis.admin.call('MEMORY', 'USAGE', key, 'SAMPLES', 0));
    }
    return total;
  }

  it('keeps the stream within maxStreamBytes: the oldest entries go first', async () => {
    const prefix = redis.uniquePrefix();
    const maxStreamBytes = 8 * MiB;
    const bus = new RedisEventBus({
      url: redis.url,
      keyPrefix: prefix,
      dedupeTtlMs: 60_000,
      maxDedupeIds: 1_000,
      maxStreamBytes,
    });
    const delivered: string[] = [];
    await bus.start({
      deliver: (received) => {
        delivered.push(received.metadata.id);
      },
      runHandlers: async () => {},
    });
    try {
      const before = await usedMemory();
      // 60 posts of 0.9 MiB: 54 MiB of events, against a bound of 8 MiB.
      const events = Array.from({ length: 60 }, () => largeEvent(0.9 * MiB));
      for (const event of events) expect(await bus.publish([event])).toEqual([true]);
      await waitFor(() => delivered.length === 60, 'every event to be delivered');
      const stored = await bytesOfKeys(prefix);
      const grown = (await usedMemory()) - before;
      expect(stored).toBeLessThan(2 * maxStreamBytes);
      expect(grown).toBeLessThan(2 * maxStreamBytes);
      // The newest events are the ones kept.
      const [[lastId, fields]] = (await redis.admin.xrevrange(
        `${prefix}events`,
        '+',
        '-',
        'COUNT',
        1,
      )) as [[string, string[]]];
      expect(lastId).toBeDefined();
      expect(JSON.parse(fields[1] as string)[0].id).toBe(events.at(-1)?.metadata.id);
      expect(await redis.admin.xlen(`${prefix}events`)).toBeGreaterThanOrEqual(7);
    } finally {
      await bus.close();
    }
  });

  it('refuses a batch larger than maxStreamBytes, naming the option', async () => {
    const bus = new RedisEventBus({
      url: redis.url,
      keyPrefix: redis.uniquePrefix(),
      dedupeTtlMs: 60_000,
      maxDedupeIds: 1_000,
      maxStreamBytes: MiB,
    });
    await bus.start({ deliver: () => {}, runHandlers: async () => {} });
    try {
      const refused = bus.publish([largeEvent(0.6 * MiB), largeEvent(0.6 * MiB)]);
      await expect(refused).rejects.toBeInstanceOf(CallAutomationEventError);
      await expect(refused).rejects.toThrow(/larger than redis\.maxStreamBytes \(1048576\)/);
      expect(await bus.publish([largeEvent(0.6 * MiB)])).toEqual([true]);
    } finally {
      await bus.close();
    }
  });

  it('takes the bound from the redis.maxStreamBytes option', async () => {
    const app = await startApp({
      options: { redis: { url: redis.url, keyPrefix: redis.uniquePrefix(), maxStreamBytes: 4096 } },
    });
    try {
      const large = cloudEvent('PlayCompleted', { operationContext: 'x'.repeat(8192) });
      await expect(app.processor.processEvents([large])).rejects.toThrow(
        /larger than redis\.maxStreamBytes \(4096\)/,
      );
      const small = cloudEvent('PlayCompleted');
      expect(await app.processor.processEvents([small])).toMatchObject({ dispatched: 1 });
    } finally {
      await app.close();
    }
  });
});
