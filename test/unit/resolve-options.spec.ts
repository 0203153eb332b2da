import { CallAutomationConfigurationError } from 'nestjs-call-automation';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../lib/options/resolve-options';

describe('resolveOptions', () => {
  it('applies the documented defaults', () => {
    expect(resolveOptions({})).toEqual({
      webhookPath: 'api/callbacks',
      incomingCallPath: 'api/incomingCall',
      defaultTimeoutMs: 240_000,
      backlogTtlMs: 5_000,
      maxBacklogEvents: 10_000,
      maxBacklogBytes: 67_108_864,
      disconnectedCallTtlMs: 60_000,
      maxDisconnectedCalls: 10_000,
      dedupeTtlMs: 600_000,
      maxDedupeIds: 100_000,
      maxBodyBytes: 1_048_576,
      shutdownGraceMs: 10_000,
      drainTimeoutMs: 0,
      emitToEventEmitter: true,
      isGlobal: false,
    });
  });

  it('fills in auth and redis defaults', () => {
    const resolved = resolveOptions({
      auth: { audience: 'resource-id' },
      redis: { url: 'redis://127.0.0.1:6379' },
    });
    expect(resolved.auth).toEqual({
      audience: ['resource-id'],
      issuer: 'https://acscallautomation.communication.azure.com',
      jwksUri: 'https://acscallautomation.communication.azure.com/calling/keys',
      clockToleranceSec: 60,
    });
    expect(resolved.redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      waitForReplicas: 0,
      keyPrefix: 'acs:',
      handlerClaimTimeoutMs: 30_000,
      maxStreamBytes: 64 * 1024 * 1024,
    });
  });

  it('normalizes route paths', () => {
    expect(resolveOptions({ webhookPath: '/hooks/acs/' }).webhookPath).toBe('hooks/acs');
  });

  it.each([
    [{ defaultTimeoutMs: -1 }, /defaultTimeoutMs must be a whole number >= 0/],
    [{ backlogTtlMs: 1.5 }, /backlogTtlMs must be a whole number/],
    [{ maxBodyBytes: 0 }, /maxBodyBytes must be at least 1/],
    [{ maxBacklogBytes: -5 }, /maxBacklogBytes must be a whole number >= 0/],
    [{ webhookPath: '' }, /webhookPath must be a non-empty route path/],
    [{ webhookPath: 'a', incomingCallPath: '/a' }, /must differ/],
    [{ connectionString: 'nope' }, /connectionString must look like/],
    [{ callbackUri: 'ftp://x' }, /callbackUri must be an absolute http\(s\) URL/],
    [{ auth: { audience: [] } }, /auth.audience must be your ACS resource id/],
    [{ auth: { audience: 'a', clockToleranceSec: 300 } }, /at most 60/],
    [{ auth: { audience: 'a', jwks: 'x' } }, /unknown option 'auth.jwks'/],
    [{ redis: { url: 'localhost:6379' } }, /redis.url must be a redis:\/\//],
    [
      { redis: { url: 'redis://r', handlerClaimTimeoutMs: 10 } },
      /redis.handlerClaimTimeoutMs must be at least 100/,
    ],
    [
      { redis: { url: 'redis://r', handlerClaimTimeoutMs: '5s' } },
      /redis.handlerClaimTimeoutMs must be a whole number/,
    ],
    [{ redis: { url: 'redis://r', maxStreamBytes: 100 } }, /redis.maxStreamBytes must be at least/],
    [{ redis: { keyPrefix: 'x:' } }, /redis needs one of url, cluster or sentinels/],
    [
      { redis: { url: 'redis://r', cluster: [{ host: 'h', port: 1 }] } },
      /only one of url, cluster and sentinels, got url and cluster/,
    ],
    [{ redis: { cluster: [] } }, /redis.cluster must be a non-empty array of \{ host, port \}/],
    [{ redis: { sentinels: [{ host: 'h', port: 26379 }] } }, /redis.sentinels needs redis.name/],
    [{ redis: { url: 'redis://r', name: 'p' } }, /redis.name .* goes with redis.sentinels/],
    [{ redis: { url: 'rediss://r', tls: 'yes' } }, /redis.tls must be an object/],
    [
      { redis: { cluster: [{ host: 'h', port: 1 }], keyPrefix: '' } },
      /redis.keyPrefix must not be empty with redis.cluster/,
    ],
    [{ webhookpath: 'x' }, /unknown option 'webhookpath'/],
    [{ isGlobal: 'yes' }, /isGlobal must be true or false/],
  ])('refuses %j at start-up, naming the option', (options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(CallAutomationConfigurationError);
    expect(() => resolveOptions(options as never)).toThrow(message);
  });

  it('accepts Infinity as a timeout (wait until the call ends)', () => {
    expect(resolveOptions({ defaultTimeoutMs: Number.POSITIVE_INFINITY }).defaultTimeoutMs).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});
