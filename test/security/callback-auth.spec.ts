import 'reflect-metadata';
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, startApp } from '../support/app';
import { cloudEvent } from '../support/events';
import { type ErrorBody, KindRecorder, useJwksServerAndApp } from './support';

/**
 * Starts a POST that declares `declaredBytes` of body but sends only the first `sentBytes`:
 * the answer can only come before the body is complete if the server did not wait to read it.
 * `sendRest()` sends the remainder.
 */
function partialPost(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  sentBytes: number,
) {
  let sendRest: () => void = () => {};
  let bodyComplete = false;
  const answer = new Promise<{
    status: number;
    body: string;
    bodyComplete: boolean;
    connection?: string;
  }>((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length, ...headers },
      },
      (response) => {
        const complete = bodyComplete;
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            body: text,
            bodyComplete: complete,
            connection: response.headers.connection,
          });
          request.destroy();
        });
      },
    );
    request.on('error', reject);
    request.write(body.subarray(0, sentBytes));
    sendRest = () => {
      bodyComplete = true;
      request.end(body.subarray(sentBytes));
    };
  });
  return { answer, sendRest: () => sendRest() };
}

describe.each(ADAPTERS)('verified callbacks (auth) on %s', (adapter) => {
  const env = useJwksServerAndApp();

  /** The app with `auth` for the test JWKS server (its issuer and key set), plus `auth`. */
  const start = async (
    auth: Record<string, unknown> = {},
    keys: Record<string, unknown> = { issuer: env.jwks.issuer, jwksUri: env.jwks.jwksUri },
  ) => {
    env.test = await startApp({
      adapter,
      providers: [KindRecorder],
      options: { auth: { audience: env.jwks.audience, ...keys, ...auth } },
    });
    return env.test.app.get(KindRecorder);
  };

  const postWithToken = (token: string | undefined, body: unknown = [callEvent()]) =>
    env.test.post(
      'api/callbacks',
      body,
      token === undefined ? {} : { authorization: `Bearer ${token}` },
    );

  const callEvent = () => cloudEvent('CallConnected', { callConnectionId: 'c1' });

  it('accepts a signed callback through the whole stack: handlers and waiters get it', async () => {
    const recorder = await start();
    const waiting = env.test.processor.waitForEvent({
      callConnectionId: 'c1',
      kind: 'CallConnected',
    });
    const response = await postWithToken(await env.jwks.sign());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 1, dispatched: 1, duplicates: 0 });
    await expect(waiting).resolves.toMatchObject({ kind: 'CallConnected' });
    await env.test.processor.whenIdle();
    expect(recorder.kinds).toEqual(['CallConnected']);
  });

  it('accepts any audience of the list, and tokens within the clock tolerance', async () => {
    await start({ audience: ['other-resource', env.jwks.audience] });
    expect((await postWithToken(await env.jwks.sign())).status).toBe(200);
    // expired 30 s ago, not valid for another 30 s: both within the 60 s tolerance
    expect((await postWithToken(await env.jwks.sign({ expiresIn: -30 }))).status).toBe(200);
    expect((await postWithToken(await env.jwks.sign({ notBefore: 30 }))).status).toBe(200);
  });

  it('caches the key set: many callbacks, one fetch', async () => {
    await start();
    const before = env.jwks.hits.keys;
    for (let i = 0; i < 5; i++) {
      expect((await postWithToken(await env.jwks.sign())).status).toBe(200);
    }
    expect(env.jwks.hits.keys - before).toBe(1);
  });

  const rejections: [string, () => Promise<string | undefined>, RegExp][] = [
    ['no Authorization header', async () => undefined, /Authorization header is missing/],
    ['alg: none', () => env.jwks.sign({ algorithm: 'none' }), /not signed with RS256/],
    [
      'HS256 keyed with the public key',
      () => env.jwks.sign({ algorithm: 'HS256-public-key' }),
      /not signed with RS256/,
    ],
    ['an expired token', () => env.jwks.sign({ expiresIn: -120 }), /expired/],
    ['a token not valid yet', () => env.jwks.sign({ notBefore: 120 }), /not valid yet/],
    ['a token without exp', () => env.jwks.sign({ expiresIn: null }), /no 'exp' claim/],
    ['a wrong issuer', () => env.jwks.sign({ issuer: 'https://evil.example' }), /issuer/],
    ['a wrong audience', () => env.jwks.sign({ audience: 'another-resource' }), /audience/],
    ['a forged signature', () => env.jwks.sign({ key: 'foreign' }), /signature is invalid/],
    [
      'a key the set does not have',
      () => env.jwks.sign({ key: 'foreign', kid: 'unknown-kid' }),
      /no key of the key set/,
    ],
    ['garbage', async () => 'not-a-jwt', /malformed/],
    ['three garbage parts', async () => 'aaa.bbb.ccc', /malformed/],
  ];

  it.each(rejections)(
    'answers 401 with a JSON error for %s, dispatching nothing',
    async (_name, token, reason) => {
      const recorder = await start();
      const signed = await token();
      const response = await postWithToken(signed);
      expect(response.status).toBe(401);
      const error = (await response.json()) as ErrorBody;
      expect(error).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(error.message).toMatch(reason);
      await env.test.processor.whenIdle();
      expect(recorder.kinds).toEqual([]);
      const logged = env.test.logger.messages().join('\n');
      expect(logged).toMatch(/Refused a callback to \/api\/callbacks/);
      if (signed) {
        for (const part of signed.split('.').filter((piece) => piece.length > 8)) {
          expect(logged).not.toContain(part);
          expect(error.message).not.toContain(part);
        }
      }
    },
  );

  it.each([
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['an empty bearer', 'Bearer '],
    ['two tokens', 'Bearer a.b.c d.e.f'],
  ])('answers 401 for an Authorization header with %s', async (_name, header) => {
    await start();
    const response = await env.test.post('api/callbacks', [callEvent()], { authorization: header });
    expect(response.status).toBe(401);
    expect(((await response.json()) as ErrorBody).message).toMatch(/not a Bearer token|missing/);
  });

  describe('checks the Authorization header before reading the body', () => {
    /** 1 MiB declared, 1 KiB sent: the rest never comes unless the test sends it. */
    const body = Buffer.from(
      JSON.stringify([
        cloudEvent('CallConnected', { callConnectionId: 'c1', pad: 'x'.repeat(1_000_000) }),
      ]),
    );

    it.each([
      ['no Authorization header', undefined, /Authorization header is missing/],
      ['a Basic header', 'Basic dXNlcjpwYXNz', /not a Bearer token/],
      ['two tokens', 'Bearer a.b.c d.e.f', /not a Bearer token/],
    ])(
      'answers 401 for %s while the body is still being sent, and closes the connection',
      async (_name, header, reason) => {
        const recorder = await start();
        const upload = partialPost(
          env.test.url('api/callbacks'),
          header === undefined ? {} : { authorization: header },
          body,
          1024,
        );
        const answer = await upload.answer; // never comes if the server waits for the whole body
        expect(answer.bodyComplete).toBe(false);
        expect(answer.status).toBe(401);
        expect(answer.connection).toBe('close');
        const error = JSON.parse(answer.body) as ErrorBody;
        expect(error).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
        expect(error.message).toMatch(reason);
        expect(env.test.logger.messages().join('\n')).toMatch(
          /Refused a callback to \/api\/callbacks/,
        );
        await env.test.processor.whenIdle();
        expect(recorder.kinds).toEqual([]);
      },
      10_000,
    );

    it('reads the body of a request with a Bearer token, then verifies its signature', async () => {
      await start();
      const signed = partialPost(
        env.test.url('api/callbacks'),
        { authorization: `Bearer ${await env.jwks.sign()}` },
        body,
        1024,
      );
      signed.sendRest();
      expect(await signed.answer).toMatchObject({ status: 200, bodyComplete: true });
      // a forged signature is only found out once the body is in: the answer waits for it
      const forged = partialPost(
        env.test.url('api/callbacks'),
        { authorization: `Bearer ${await env.jwks.sign({ key: 'foreign' })}` },
        body,
        1024,
      );
      forged.sendRest();
      expect(await forged.answer).toMatchObject({ status: 401, bodyComplete: true });
    });

    it('refuses an Event Grid delivery without its secret before reading the body', async () => {
      env.test = await startApp({
        adapter,
        options: { incomingCallAuth: { secret: { value: 'event-grid-secret-0123456789' } } },
      });
      const upload = partialPost(
        env.test.url('api/incomingCall?secret=wrong-secret-value-000'),
        {},
        body,
        1024,
      );
      const answer = await upload.answer;
      expect(answer).toMatchObject({ status: 401, bodyComplete: false });
      expect((JSON.parse(answer.body) as ErrorBody).message).toMatch(
        /'secret' query parameter is wrong/,
      );
    }, 10_000);
  });

  it('accepts a callback signed with a rotated key at once (one refetch), and answers 503, not 401, for an unknown kid while refetches are throttled', async () => {
    const recorder = await start();
    expect((await postWithToken(await env.jwks.sign())).status).toBe(200);
    const before = env.jwks.hits.keys;
    await env.jwks.rotate();
    expect((await postWithToken(await env.jwks.sign())).status).toBe(200);
    expect(env.jwks.hits.keys - before).toBe(1);
    // moments after that refetch, another unknown kid may be a key the next fetch brings
    const unknown = await postWithToken(await env.jwks.sign({ key: 'foreign', kid: 'kid-2' }));
    expect(unknown.status).toBe(503);
    const error = (await unknown.json()) as ErrorBody;
    expect(error).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(error.message).toMatch(
      /^Not checked yet: the token's signing key \(kid\) is not in the key set, which was refetched for an unknown key moments ago; it may be refetched again in \d+ s \(the signing keys may have been rotated\); deliver again later\.$/,
    );
    expect(env.jwks.hits.keys - before).toBe(1);
    await env.test.processor.whenIdle();
    expect(recorder.kinds).toEqual(['CallConnected', 'CallConnected']);
  });

  it('answers 503 (deliver again) when the signing keys cannot be fetched', async () => {
    const recorder = await start();
    env.jwks.keysStatus = 500;
    try {
      const response = await postWithToken(await env.jwks.sign());
      expect(response.status).toBe(503);
      expect(((await response.json()) as ErrorBody).message).toMatch(/signing keys/);
    } finally {
      env.jwks.keysStatus = 200;
    }
    await env.test.processor.whenIdle();
    expect(recorder.kinds).toEqual([]);
  });

  it('takes the keys and the issuer from an OpenID configuration', async () => {
    await start({}, { openIdConfigurationUri: env.jwks.openIdConfigurationUri });
    expect((await postWithToken(await env.jwks.sign())).status).toBe(200);
    const wrongIssuer = await postWithToken(await env.jwks.sign({ issuer: 'https://elsewhere' }));
    expect(wrongIssuer.status).toBe(401);
  });

  it('leaves the Event Grid route to its own protection (auth is for webhookPath only)', async () => {
    await start();
    const response = await env.test.post(
      'api/incomingCall',
      [
        {
          id: 'eg-1',
          eventType: 'Microsoft.Communication.IncomingCall',
          data: { incomingCallContext: 'ctx', serverCallId: 's', correlationId: 'c' },
        },
      ],
      { 'aeg-event-type': 'Notification' },
    );
    expect(response.status).toBe(200);
  });
});
