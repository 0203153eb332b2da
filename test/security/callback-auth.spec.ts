import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { type CallEvent, OnCallEvent } from 'nestjs-call-automation';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, startApp, type TestApp } from '../support/app';
import { cloudEvent } from '../support/events';
import { type JwksServer, startJwksServer } from '../support/jwks-server';

@Injectable()
class Recorder {
  readonly kinds: string[] = [];
  @OnCallEvent('*')
  record(event: CallEvent): void {
    this.kinds.push(event.kind);
  }
}

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

describe.each(ADAPTERS)('verified callbacks (auth) on %s', (adapter) => {
  let jwks: JwksServer;
  let test: TestApp;

  beforeAll(async () => {
    jwks = await startJwksServer();
  });
  afterAll(async () => {
    await jwks.close();
  });
  afterEach(async () => {
    await test?.close();
  });

  const start = async (auth: Record<string, unknown> = {}) => {
    test = await startApp({
      adapter,
      providers: [Recorder],
      options: {
        auth: { audience: jwks.audience, issuer: jwks.issuer, jwksUri: jwks.jwksUri, ...auth },
      },
    });
    return test.app.get(Recorder);
  };

  const postWithToken = (token: string | undefined, body: unknown = [callEvent()]) =>
    test.post(
      'api/callbacks',
      body,
      token === undefined ? {} : { authorization: `Bearer ${token}` },
    );

  const callEvent = () => cloudEvent('CallConnected', { callConnectionId: 'c1' });

  it('accepts a signed callback through the whole stack: handlers and waiters get it', async () => {
    const recorder = await start();
    const waiting = test.processor.waitForEvent({ callConnectionId: 'c1', kind: 'CallConnected' });
    const response = await postWithToken(await jwks.sign());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 1, dispatched: 1, duplicates: 0 });
    await expect(waiting).resolves.toMatchObject({ kind: 'CallConnected' });
    await test.processor.whenIdle();
    expect(recorder.kinds).toEqual(['CallConnected']);
  });

  it('accepts any audience of the list, and tokens within the clock tolerance', async () => {
    await start({ audience: ['other-resource', jwks.audience] });
    expect((await postWithToken(await jwks.sign())).status).toBe(200);
    // expired 30 s ago, not valid for another 30 s: both within the 60 s tolerance
    expect((await postWithToken(await jwks.sign({ expiresIn: -30 }))).status).toBe(200);
    expect((await postWithToken(await jwks.sign({ notBefore: 30 }))).status).toBe(200);
  });

  it('caches the key set: many callbacks, one fetch', async () => {
    await start();
    const before = jwks.hits.keys;
    for (let i = 0; i < 5; i++) {
      expect((await postWithToken(await jwks.sign())).status).toBe(200);
    }
    expect(jwks.hits.keys - before).toBe(1);
  });

  const rejections: [string, () => Promise<string | undefined>, RegExp][] = [
    ['no Authorization header', async () => undefined, /Authorization header is missing/],
    ['alg: none', () => jwks.sign({ algorithm: 'none' }), /not signed with RS256/],
    [
      'HS256 keyed with the public key',
      () => jwks.sign({ algorithm: 'HS256-public-key' }),
      /not signed with RS256/,
    ],
    ['an expired token', () => jwks.sign({ expiresIn: -120 }), /expired/],
    ['a token not valid yet', () => jwks.sign({ notBefore: 120 }), /not valid yet/],
    ['a token without exp', () => jwks.sign({ expiresIn: null }), /no 'exp' claim/],
    ['a wrong issuer', () => jwks.sign({ issuer: 'https://evil.example' }), /issuer/],
    ['a wrong audience', () => jwks.sign({ audience: 'another-resource' }), /audience/],
    ['a forged signature', () => jwks.sign({ key: 'foreign' }), /signature is invalid/],
    [
      'a key the set does not have',
      () => jwks.sign({ key: 'foreign', kid: 'unknown-kid' }),
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
      await test.processor.whenIdle();
      expect(recorder.kinds).toEqual([]);
      const logged = test.logger.messages().join('\n');
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
    const response = await test.post('api/callbacks', [callEvent()], { authorization: header });
    expect(response.status).toBe(401);
    expect(((await response.json()) as ErrorBody).message).toMatch(/not a Bearer token|missing/);
  });

  it('checks the token before reading the body (a bad body without a token is a 401)', async () => {
    await start();
    const response = await test.post('api/callbacks', '{"not json');
    expect(response.status).toBe(401);
  });

  it('answers 503 (deliver again) when the signing keys cannot be fetched', async () => {
    const recorder = await start();
    jwks.keysStatus = 500;
    try {
      const response = await postWithToken(await jwks.sign());
      expect(response.status).toBe(503);
      expect(((await response.json()) as ErrorBody).message).toMatch(/signing keys/);
    } finally {
      jwks.keysStatus = 200;
    }
    await test.processor.whenIdle();
    expect(recorder.kinds).toEqual([]);
  });

  it('takes the keys and the issuer from an OpenID configuration', async () => {
    test = await startApp({
      adapter,
      providers: [Recorder],
      options: {
        auth: { audience: jwks.audience, openIdConfigurationUri: jwks.openIdConfigurationUri },
      },
    });
    expect((await postWithToken(await jwks.sign())).status).toBe(200);
    const wrongIssuer = await postWithToken(await jwks.sign({ issuer: 'https://elsewhere' }));
    expect(wrongIssuer.status).toBe(401);
  });

  it('leaves the Event Grid route to its own protection (auth is for webhookPath only)', async () => {
    await start();
    const response = await test.post(
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
