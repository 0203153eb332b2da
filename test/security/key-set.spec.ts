import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CallbackTokenVerifier } from '../../lib/security/callback-token-verifier';
import { EntraTokenVerifier } from '../../lib/security/entra-token-verifier';
import { QuerySecretCheck } from '../../lib/security/query-secret';
import {
  CredentialsRejectedError,
  SigningKeyRefetchThrottledError,
  SigningKeysUnavailableError,
} from '../../lib/security/security-errors';
import { useJwksServer } from './support';

describe('the key set of a token verifier', () => {
  const env = useJwksServer();

  /** A clock the tests move, so cooldowns do not depend on how busy the machine is. */
  let clock = 0;
  const advance = (ms: number) => {
    clock += ms;
  };
  const verifier = (timing = {}) =>
    new CallbackTokenVerifier(
      {
        audience: [env.jwks.audience],
        issuer: env.jwks.issuer,
        jwksUri: env.jwks.jwksUri,
        clockToleranceSec: 60,
      },
      { cooldownMs: 10_000, retryAfterFailureMs: 5_000, now: () => clock, ...timing },
    );

  it('shares one fetch between concurrent first requests', async () => {
    const check = verifier();
    const token = await env.jwks.sign();
    await Promise.all(Array.from({ length: 20 }, () => check.verify(`Bearer ${token}`)));
    expect(check.keys.fetches).toBe(1);
  });

  it('accepts a rotated key at once, mid-traffic: one refetch, no refusal', async () => {
    const check = verifier();
    await expect(check.verify(`Bearer ${await env.jwks.sign()}`)).resolves.toBeDefined();
    expect(check.keys.fetches).toBe(1);
    advance(1_000); // well within any rate limit of the first fetch
    await env.jwks.rotate();
    const rotated = await env.jwks.sign();
    await expect(check.verify(`Bearer ${rotated}`)).resolves.toMatchObject({
      iss: env.jwks.issuer,
    });
    expect(check.keys.fetches).toBe(2);
    // the new key is known now: no more fetches
    await expect(check.verify(`Bearer ${await env.jwks.sign()}`)).resolves.toBeDefined();
    expect(check.keys.fetches).toBe(2);
  });

  it('shares one refetch between many concurrent unknown kids, then refuses those the refetched set lacks', async () => {
    const check = verifier();
    await check.verify(`Bearer ${await env.jwks.sign()}`);
    advance(60_000);
    const forged = await Promise.all(
      Array.from({ length: 50 }, () => env.jwks.sign({ key: 'foreign', kid: randomUUID() })),
    );
    const hits = env.jwks.hits.keys;
    const outcomes = await Promise.allSettled(
      forged.map((token) => check.verify(`Bearer ${token}`)),
    );
    expect(check.keys.fetches).toBe(2);
    expect(env.jwks.hits.keys - hits).toBe(1);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as Error;
      expect(reason).toBeInstanceOf(CredentialsRejectedError);
      expect(reason.message).toMatch(/no key of the key set matches the token/);
    }
  });

  it('answers an unknown kid with a retryable error while refetches are throttled, and refetches once allowed', async () => {
    const check = verifier();
    await check.verify(`Bearer ${await env.jwks.sign()}`);
    advance(60_000);
    const unknown = () => env.jwks.sign({ key: 'foreign', kid: randomUUID() });
    // the first unknown kid refetches (and is refused: the set does not have it)
    await expect(check.verify(`Bearer ${await unknown()}`)).rejects.toThrow(
      CredentialsRejectedError,
    );
    expect(check.keys.fetches).toBe(2);
    // 4 s later the key server rotates; a token with the new key may not refetch for 6 s more
    advance(4_000);
    await env.jwks.rotate();
    const rotated = await env.jwks.sign();
    const throttled = check.verify(`Bearer ${rotated}`);
    await expect(throttled).rejects.toThrow(SigningKeyRefetchThrottledError);
    await expect(throttled).rejects.toThrow(
      /signing key \(kid\) is not in the key set, which was refetched for an unknown key moments ago; it may be refetched again in 6 s/,
    );
    await expect(check.verify(`Bearer ${await unknown()}`)).rejects.toThrow(
      SigningKeyRefetchThrottledError,
    );
    expect(check.keys.fetches).toBe(2); // a flood within the interval costs no fetch
    // once the interval has passed, the redelivery refetches and is accepted
    advance(6_000);
    await expect(check.verify(`Bearer ${rotated}`)).resolves.toBeDefined();
    expect(check.keys.fetches).toBe(3);
  });

  it('refuses an unknown kid without refetching when the set was fetched for that very lookup', async () => {
    const check = verifier();
    await expect(
      check.verify(`Bearer ${await env.jwks.sign({ key: 'foreign', kid: randomUUID() })}`),
    ).rejects.toThrow(/no key of the key set/);
    expect(check.keys.fetches).toBe(1);
  });

  it('fails fast while the key server is down, then recovers', async () => {
    const check = verifier();
    const token = await env.jwks.sign();
    env.jwks.keysStatus = 503;
    try {
      await expect(check.verify(`Bearer ${token}`)).rejects.toThrow(SigningKeysUnavailableError);
      const hits = env.jwks.hits.keys;
      for (let i = 0; i < 20; i++) {
        await expect(check.verify(`Bearer ${token}`)).rejects.toThrow(SigningKeysUnavailableError);
      }
      expect(env.jwks.hits.keys).toBe(hits); // no fetch per request during the back-off
    } finally {
      env.jwks.keysStatus = 200;
    }
    advance(4_000);
    await expect(check.verify(`Bearer ${token}`)).rejects.toThrow(SigningKeysUnavailableError);
    advance(1_000);
    await expect(check.verify(`Bearer ${token}`)).resolves.toBeDefined();
  });

  it('keeps using cached keys when a refetch of stale keys fails', async () => {
    const check = verifier({ maxAgeMs: 600_000 });
    const token = await env.jwks.sign();
    await check.verify(`Bearer ${token}`);
    advance(600_001);
    env.jwks.keysStatus = 500;
    try {
      await expect(check.verify(`Bearer ${token}`)).resolves.toBeDefined();
      expect(check.keys.fetches).toBe(2);
    } finally {
      env.jwks.keysStatus = 200;
    }
  });

  it('gives up on a slow key server after the time limit (503, not a hang)', async () => {
    const check = verifier({ timeoutMs: 200 });
    env.jwks.delayMs = 1_000;
    try {
      // the key server answers after 1 s: only the time limit can produce this reason
      await expect(check.verify(`Bearer ${await env.jwks.sign()}`)).rejects.toThrow(
        /could not be fetched .*timed out/,
      );
    } finally {
      env.jwks.delayMs = 0;
    }
  });
});

describe('EntraTokenVerifier', () => {
  const env = useJwksServer({ audience: 'api://call-bot' });

  const entra = (overrides = {}) =>
    new EntraTokenVerifier({
      audience: ['api://call-bot'],
      issuers: [env.jwks.issuer],
      jwksUri: env.jwks.jwksUri,
      requiredRoles: ['AzureEventGridSecureWebhookSubscriber'],
      clockToleranceSec: 60,
      ...overrides,
    });
  const role = { roles: ['AzureEventGridSecureWebhookSubscriber'] };

  it('accepts a token with the role, refuses one without it', async () => {
    await expect(
      entra().verify(`Bearer ${await env.jwks.sign({ claims: role })}`),
    ).resolves.toBeDefined();
    await expect(entra().verify(`Bearer ${await env.jwks.sign()}`)).rejects.toThrow(
      /lacks the app role 'AzureEventGridSecureWebhookSubscriber'/,
    );
    await expect(
      entra({ requiredRoles: [] }).verify(`Bearer ${await env.jwks.sign()}`),
    ).resolves.toBeDefined();
  });

  it('checks the client (azp in v2 tokens, appid in v1 tokens) when told to', async () => {
    const check = entra({ allowedClientIds: ['event-grid-app'] });
    const v2 = await env.jwks.sign({ claims: { ...role, azp: 'event-grid-app' } });
    const v1 = await env.jwks.sign({ claims: { ...role, appid: 'event-grid-app' } });
    const other = await env.jwks.sign({ claims: { ...role, azp: 'someone-else' } });
    await expect(check.verify(`Bearer ${v2}`)).resolves.toBeDefined();
    await expect(check.verify(`Bearer ${v1}`)).resolves.toBeDefined();
    await expect(check.verify(`Bearer ${other}`)).rejects.toThrow(/client that is not allowed/);
  });

  it('discovers the keys from the issuer when no jwksUri is given', async () => {
    const check = entra({
      jwksUri: undefined,
      openIdConfigurationUri: env.jwks.openIdConfigurationUri,
    });
    await expect(
      check.verify(`Bearer ${await env.jwks.sign({ claims: role })}`),
    ).resolves.toBeDefined();
    expect(env.jwks.hits.configuration).toBeGreaterThan(0);
  });
});

describe('QuerySecretCheck', () => {
  const check = new QuerySecretCheck({
    name: 'secret',
    values: ['current-secret-0123456789', 'previous-secret-0123456789'],
  });

  it('accepts every configured value (rotation) and nothing else', () => {
    expect(() => check.check('/api/callbacks?secret=current-secret-0123456789')).not.toThrow();
    expect(() => check.check('/api/callbacks?x=1&secret=previous-secret-0123456789')).not.toThrow();
    expect(() => check.check('/api/callbacks?secret=current-secret-012345678')).toThrow(/is wrong/);
    expect(() => check.check('/api/callbacks?secret=current-secret-0123456789x')).toThrow(
      /is wrong/,
    );
    expect(() => check.check('/api/callbacks')).toThrow(/is missing/);
    expect(() => check.check('/api/callbacks?Secret=current-secret-0123456789')).toThrow(
      /is missing/,
    );
    expect(() =>
      check.check('/api/callbacks?secret=current-secret-0123456789&secret=nope'),
    ).toThrow(/more than once/);
    expect(() => check.check('/api/callbacks?secret=%E0%A4%A')).toThrow(/is wrong/);
    expect(() => check.check(undefined)).toThrow(CredentialsRejectedError);
  });

  it('never puts the secret in its messages', () => {
    for (const url of [
      '/api/callbacks?secret=current-secret-0123456788',
      '/api/callbacks?secret=current-secret-0123456789&secret=current-secret-0123456789',
    ]) {
      let message: string | undefined;
      try {
        check.check(url);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/'secret' query parameter/); // it did throw
      expect(message).not.toContain('current-secret');
      expect(message).not.toContain('0123456788');
    }
  });
});
