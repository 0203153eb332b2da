import { CallAutomationClient } from '@azure/communication-call-automation';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { AcsEmulator, CallbackCollector } from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('AcsEmulator: callback tokens (RS256 JWT) and the OpenID documents', () => {
  let emulator: AcsEmulator;
  let app: CallbackCollector;

  function verify(token: string) {
    const keys = createRemoteJWKSet(new URL(emulator.auth.jwksUri));
    return jwtVerify(token, keys, {
      issuer: emulator.auth.issuer,
      audience: emulator.auth.audience,
      algorithms: ['RS256'],
    });
  }

  beforeAll(async () => {
    emulator = await new AcsEmulator({
      eventDelayMs: 5,
      resourceId: 'resource-under-test',
    }).start();
    app = await CallbackCollector.start();
  });

  afterAll(async () => {
    await emulator.stop();
    await app.close();
  });

  it('serves the OpenID configuration and the key set without authentication', async () => {
    const config = (await (await fetch(emulator.openIdConfigurationUri)).json()) as {
      issuer: string;
      jwks_uri: string;
    };
    expect(config).toMatchObject({ issuer: emulator.auth.issuer, jwks_uri: emulator.auth.jwksUri });
    const keySet = (await (await fetch(config.jwks_uri)).json()) as {
      keys: { kid: string; kty: string }[];
    };
    expect(keySet.keys).toHaveLength(1);
    expect(keySet.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(keySet.keys[0]).not.toHaveProperty('d');
    expect(emulator.auth.audience).toBe('resource-under-test');
  });

  it('signs every callback with a fresh bearer token that verifies against the JWKS', async () => {
    const client = new CallAutomationClient(emulator.connectionString, {
      allowInsecureConnection: true,
    });
    const result = await client.createCall(
      { targetParticipant: { phoneNumber: '+15550100100' } },
      app.url(),
    );
    const id = result.callConnectionProperties.callConnectionId ?? '';
    const [connected, updated] = await app.waitForEvents(2, { callConnectionId: id });
    const tokens = [connected, updated].map((entry) =>
      (entry?.request.headers.authorization ?? '').replace(/^Bearer /, ''),
    );
    expect(tokens[0]).not.toBe(tokens[1]);
    for (const token of tokens) {
      const { payload, protectedHeader } = await verify(token);
      expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
      expect(payload.aud).toBe('resource-under-test');
      expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);
      expect(payload.nbf).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    }
  });

  it('signs tokens for negative tests: expired, wrong audience, foreign key, unsigned', async () => {
    await expect(verify(await emulator.signToken())).resolves.toBeDefined();
    await expect(
      verify(await emulator.signToken({ expiresInSeconds: -120 })),
    ).rejects.toMatchObject({
      code: 'ERR_JWT_EXPIRED',
    });
    await expect(
      verify(await emulator.signToken({ audience: 'someone-else' })),
    ).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
    });
    await expect(
      verify(await emulator.signToken({ issuer: 'https://evil.example' })),
    ).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
    });
    await expect(verify(await emulator.signToken({ notBeforeSeconds: 600 }))).rejects.toMatchObject(
      {
        code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      },
    );
    const foreign = await emulator.signToken({ key: 'foreign' });
    expect(decodeProtectedHeader(foreign).kid).toBe(
      decodeProtectedHeader(await emulator.signToken()).kid,
    );
    await expect(verify(foreign)).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
    await expect(verify(await emulator.signToken({ kid: 'unknown-kid' }))).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
    const unsigned = await emulator.signToken({ algorithm: 'none' });
    expect(decodeProtectedHeader(unsigned).alg).toBe('none');
    // An unsigned token is refused for its algorithm, before any key is looked at.
    await expect(verify(unsigned)).rejects.toMatchObject({ code: 'ERR_JOSE_ALG_NOT_ALLOWED' });
  });

  it('two emulators have different keys', async () => {
    const other = await new AcsEmulator().start();
    try {
      const token = await other.signToken({
        audience: emulator.auth.audience,
        issuer: emulator.auth.issuer,
      });
      // Its key id is not in this emulator's key set (each emulator makes its own key pair).
      expect(decodeProtectedHeader(token).kid).not.toBe(
        decodeProtectedHeader(await emulator.signToken()).kid,
      );
      await expect(verify(token)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    } finally {
      await other.stop();
    }
  });
});
