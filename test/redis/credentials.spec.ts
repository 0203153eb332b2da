import 'reflect-metadata';
import {
  CallAutomationConfigurationError,
  type CallAutomationRedisOptions,
} from 'nestjs-call-automation';
import { LocalRedisCluster, LocalRedisSentinel } from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../support/app';
import { expectCrossReplicaDelivery } from './cross-replica-check';

/** Start-up's error, or a failure of the test when the app started after all. */
async function startUpError(redis: CallAutomationRedisOptions): Promise<Error> {
  return startApp({ options: { redis } }).then(
    async (app) => {
      await app.close();
      throw new Error(`the app started with ${JSON.stringify(Object.keys(redis))}`);
    },
    (error: Error) => error,
  );
}

/**
 * redis.username / password / sentinelUsername / sentinelPassword: the credentials of the forms
 * that have no URL to carry them, against servers started here that ask for them.
 */
describe('Redis credentials as options (cluster and Sentinel)', () => {
  const user = 'call-app';
  const password = 'node-pa55-not-in-logs';
  const sentinelPassword = 'sentinel-pa55-not-in-logs';
  let cluster: LocalRedisCluster;
  let sentinel: LocalRedisSentinel;

  beforeAll(async () => {
    [cluster, sentinel] = await Promise.all([
      // An ACL user, the default user off.
      LocalRedisCluster.start({ username: user, password }),
      // requirepass on the primary and replica, another one on the sentinel.
      LocalRedisSentinel.start({ password, sentinelPassword }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([cluster?.stop(), sentinel?.stop()]);
  });

  it('connects to a cluster with redis.username and redis.password', async () => {
    await expectCrossReplicaDelivery(
      { cluster: cluster.seeds, username: user, password, keyPrefix: 'auth-cluster:' },
      'call-auth-cluster',
    );
  });

  it('fails start-up on a cluster without the password, or with a wrong one, naming the options', async () => {
    const without = await startUpError({ cluster: cluster.seeds, keyPrefix: 'auth-cluster:' });
    expect(without.message).toMatch(/cannot connect to Redis at the Redis Cluster of 127\.0\.0\.1/);
    expect(without.message).toMatch(/check redis\.cluster and/);
    const wrong = await startUpError({
      cluster: cluster.seeds,
      username: user,
      password: 'wrong-secret-123',
      keyPrefix: 'auth-cluster:',
    });
    expect(wrong.message).toMatch(/WRONGPASS/);
    expect(wrong.message).toMatch(/check redis\.cluster \(and redis\.username, redis\.password\)/);
    expect(wrong.message).not.toContain('wrong-secret-123');
  });

  it('connects through the sentinels with redis.password and redis.sentinelPassword', async () => {
    await expectCrossReplicaDelivery(
      {
        sentinels: sentinel.sentinels,
        name: sentinel.name,
        password,
        sentinelPassword,
        keyPrefix: 'auth-sentinel:',
      },
      'call-auth-sentinel',
    );
  });

  it('fails start-up through the sentinels without either password', async () => {
    const form = { sentinels: sentinel.sentinels, name: sentinel.name, keyPrefix: 'x:' };
    const noSentinelPassword = await startUpError({ ...form, password });
    expect(noSentinelPassword.message).toMatch(
      /cannot connect to Redis at the primary 'test-primary' of the sentinels/,
    );
    // ioredis asks the sentinels for ever: start-up gives up after its connect timeout.
    expect(noSentinelPassword.message).toMatch(/All sentinels are unreachable.*NOAUTH/);
    const noNodePassword = await startUpError({ ...form, sentinelPassword });
    expect(noNodePassword.message).toMatch(
      /\(NOAUTH Authentication required\.\).*\(and redis\.sentinelPassword\)/,
    );
    for (const failure of [noSentinelPassword, noNodePassword]) {
      expect(failure.message).not.toContain(password);
      expect(failure.message).not.toContain(sentinelPassword);
    }
  });

  it('refuses credentials given twice or for the wrong form', async () => {
    const cases: [CallAutomationRedisOptions, RegExp][] = [
      [
        { url: 'redis://:secret@127.0.0.1:6379', password: 'other' },
        /redis\.password is given and redis\.url has a password too: give it once/,
      ],
      [
        { url: 'redis://app:secret@127.0.0.1:6379', username: 'other' },
        /redis\.username is given and redis\.url has a user too/,
      ],
      [
        { cluster: [{ host: '127.0.0.1', port: 7000 }], sentinelPassword: 'x' },
        /redis\.sentinelPassword is for the sentinels themselves: it goes with redis\.sentinels/,
      ],
      [
        { url: 'redis://127.0.0.1:6379', password: '' },
        /redis\.password must be a non-empty string/,
      ],
    ];
    for (const [redis, message] of cases) {
      const failure = await startUpError(redis);
      expect(failure).toBeInstanceOf(CallAutomationConfigurationError);
      expect(failure.message).toMatch(message);
    }
  });
});
