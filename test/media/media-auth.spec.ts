import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { useJwksServerAndApp } from '../security/support';
import { ADAPTERS } from '../support/app';
import { connectAsAcs, MediaRecorder, refusedHandshake, startMediaApp, wsUrl } from './support';

describe.each(ADAPTERS)('media WebSocket handshake with auth on %s', (adapter) => {
  const env = useJwksServerAndApp();

  const start = async () => {
    env.test = await startMediaApp({
      adapter,
      options: {
        auth: { audience: env.jwks.audience, issuer: env.jwks.issuer, jwksUri: env.jwks.jwksUri },
      },
    });
    return env.test.app.get(MediaRecorder);
  };

  it('accepts a handshake signed as ACS signs its callbacks', async () => {
    const recorder = await start();
    await connectAsAcs(wsUrl(env.test), {
      callConnectionId: 'call-1',
      token: await env.jwks.sign(),
    });
    const session = await env.test.processor.waitForMediaStream('call-1');
    expect(session.callConnectionId).toBe('call-1');
    await expect.poll(() => recorder.sessions.length).toBe(1);
  });

  const refusals: [string, () => Promise<string | undefined>, RegExp][] = [
    ['no Authorization header', async () => undefined, /Authorization header is missing/],
    ['an expired token', () => env.jwks.sign({ expiresIn: -120 }), /expired/],
    ['a forged signature', () => env.jwks.sign({ key: 'foreign' }), /signature is invalid/],
    ['a wrong audience', () => env.jwks.sign({ audience: 'another-resource' }), /audience/],
    ['alg: none', () => env.jwks.sign({ algorithm: 'none' }), /not signed with RS256/],
    ['garbage', async () => 'not-a-jwt', /malformed/],
  ];

  it.each(refusals)(
    'refuses %s with 401 before the WebSocket exists',
    async (_name, token, reason) => {
      const recorder = await start();
      const value = await token();
      const answer = await refusedHandshake(wsUrl(env.test), {
        'x-ms-call-connection-id': 'call-1',
        ...(value === undefined ? {} : { authorization: `Bearer ${value}` }),
      });
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body).message).toMatch(reason);
      expect(env.test.processor.snapshot().mediaSessions).toBe(0);
      expect(recorder.sessions).toHaveLength(0);
      const waited = await env.test.processor
        .waitForMediaStream('call-1', { timeoutMs: 50 })
        .catch((error: Error) => error);
      expect(waited).toMatchObject({ name: 'CallAutomationTimeoutError' });
      expect(env.test.logger.messages('warn').join('\n')).toMatch(
        /Refused a media stream handshake to \/api\/media/,
      );
    },
  );

  it('answers 503 when the signing keys cannot be fetched (ACS connects again)', async () => {
    const recorder = await start();
    env.jwks.keysStatus = 500;
    try {
      const answer = await refusedHandshake(wsUrl(env.test), {
        'x-ms-call-connection-id': 'call-1',
        authorization: `Bearer ${await env.jwks.sign()}`,
      });
      expect(answer.status).toBe(503);
      expect(recorder.sessions).toHaveLength(0);
    } finally {
      env.jwks.keysStatus = 200;
    }
  });

  it('uses the callbacks’ key cache: handshakes and callbacks share one key fetch', async () => {
    await start();
    const before = env.jwks.hits.keys;
    for (let i = 0; i < 3; i++) {
      await connectAsAcs(wsUrl(env.test), {
        callConnectionId: `call-${i}`,
        token: await env.jwks.sign(),
      });
    }
    const posted = await env.test.post('api/callbacks', [], {
      authorization: `Bearer ${await env.jwks.sign()}`,
    });
    expect(posted.status).toBe(200);
    expect(env.jwks.hits.keys - before).toBe(1);
  });
});
