import { describe, expect, it } from 'vitest';
import { CallAutomationConfigurationError } from '../../lib/errors/call-automation-configuration.error';
import { loadIoredis } from '../../lib/transport/load-ioredis';
import { RedisEventBus } from '../../lib/transport/redis-event-bus';

describe('ioredis as an optional peer', () => {
  it('loads the Redis class lazily from the installed package', async () => {
    const { Redis, Cluster } = await loadIoredis();
    expect(typeof Redis).toBe('function');
    expect(Redis.name).toBe('Redis');
    expect(Cluster.name).toBe('Cluster');
  });

  it('fails start-up with "npm install ioredis" when the package is missing', async () => {
    const missing = () =>
      Promise.reject(
        Object.assign(new Error("Cannot find package 'ioredis'"), { code: 'ERR_MODULE_NOT_FOUND' }),
      );
    await expect(loadIoredis(missing)).rejects.toBeInstanceOf(CallAutomationConfigurationError);
    await expect(loadIoredis(missing)).rejects.toThrow(/npm install ioredis/);
    const bus = new RedisEventBus(
      { url: 'redis://127.0.0.1:1', keyPrefix: 'x:', dedupeTtlMs: 1_000, maxDedupeIds: 10 },
      missing,
    );
    await expect(bus.start({ deliver() {}, runHandlers: async () => {} })).rejects.toThrow(
      /the redis option needs the ioredis package .*Cannot find package 'ioredis'.*npm install ioredis/,
    );
    await bus.close();
  });
});
