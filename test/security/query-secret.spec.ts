import 'reflect-metadata';
import type { CallAutomationClient } from '@azure/communication-call-automation';
import { Test } from '@nestjs/testing';
import {
  CallAutomationConfigurationError,
  CallAutomationModule,
  CallAutomationService,
} from 'nestjs-call-automation';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../lib/options/resolve-options';
import { ADAPTERS, startApp } from '../support/app';
import { cloudEvent } from '../support/events';
import { type ErrorBody, KindRecorder, useJwksServerAndApp } from './support';

const SECRET = 'Qm9vdHN0cmFwLXNlY3JldC0wMTIzNDU2Nzg5';
const OLD_SECRET = 'b2xkLXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVm';

describe('callbackSecret and incomingCallAuth options', () => {
  it('resolve with their defaults', () => {
    const resolved = resolveOptions({
      callbackUri: 'https://bot.example.com/api/callbacks?tenant=a',
      callbackSecret: { value: [SECRET, OLD_SECRET] },
      incomingCallAuth: {
        secret: { value: SECRET, name: 'code' },
        entra: { audience: 'api://bot', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
      },
    });
    expect(resolved.callbackSecret).toEqual({ name: 'secret', values: [SECRET, OLD_SECRET] });
    expect(resolved.callbackUri).toBe(
      `https://bot.example.com/api/callbacks?tenant=a&secret=${SECRET}`,
    );
    expect(resolved.incomingCallAuth).toEqual({
      secret: { name: 'code', values: [SECRET] },
      entra: {
        audience: ['api://bot'],
        issuers: [
          'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0',
          'https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/',
        ],
        jwksUri:
          'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/discovery/v2.0/keys',
        requiredRoles: ['AzureEventGridSecureWebhookSubscriber'],
        clockToleranceSec: 60,
      },
    });
  });

  it('keeps a callbackUri that already carries the current secret as it is', () => {
    const uri = `https://bot.example.com/cb?secret=${SECRET}`;
    expect(
      resolveOptions({ callbackUri: uri, callbackSecret: { value: SECRET } }).callbackUri,
    ).toBe(uri);
  });

  it('discovers Entra keys from the issuer when only issuer is given', () => {
    const resolved = resolveOptions({
      incomingCallAuth: { entra: { audience: 'api://bot', issuer: 'https://idp.example/t/v2.0/' } },
    });
    expect(resolved.incomingCallAuth?.entra).toMatchObject({
      issuers: ['https://idp.example/t/v2.0/'],
      openIdConfigurationUri: 'https://idp.example/t/v2.0/.well-known/openid-configuration',
    });
    expect(resolved.incomingCallAuth?.entra?.jwksUri).toBeUndefined();
  });

  it.each([
    [{ callbackSecret: 'x' }, /callbackSecret must be an object \{ value, name\? \}/],
    [
      { callbackSecret: { value: 'short' } },
      /callbackSecret.value must be a secret of at least 16/,
    ],
    [{ callbackSecret: { value: 'has spaces in it 0123456' } }, /callbackSecret.value/],
    [{ callbackSecret: { value: [] } }, /callbackSecret.value/],
    [{ callbackSecret: { value: SECRET, name: 'a b' } }, /callbackSecret.name must be a query/],
    [{ callbackSecret: { value: SECRET, key: 'x' } }, /unknown option 'callbackSecret.key'/],
    [
      { callbackUri: 'https://x.example/cb?secret=other', callbackSecret: { value: SECRET } },
      /callbackUri already has a query parameter 'secret'/,
    ],
    [{ incomingCallAuth: {} }, /incomingCallAuth needs secret, entra or both/],
    [{ incomingCallAuth: { secret: { value: 'x' } } }, /incomingCallAuth.secret.value/],
    [{ incomingCallAuth: { entra: { audience: 'a' } } }, /incomingCallAuth.entra needs tenantId/],
    [
      { incomingCallAuth: { entra: { audience: 'a', tenantId: 'contoso.com' } } },
      /incomingCallAuth.entra.tenantId must be the directory \(tenant\) id, a GUID/,
    ],
    [
      { incomingCallAuth: { entra: { audience: [], issuer: 'https://i' } } },
      /incomingCallAuth.entra.audience must be/,
    ],
    [
      { incomingCallAuth: { entra: { audience: 'a', issuer: 'https://i', requiredRoles: 'r' } } },
      /incomingCallAuth.entra.requiredRoles must be a list/,
    ],
    [
      {
        incomingCallAuth: { entra: { audience: 'a', issuer: 'https://i', clockToleranceSec: 900 } },
      },
      /incomingCallAuth.entra.clockToleranceSec must be at most 300/,
    ],
    [
      { incomingCallAuth: { entra: { audience: 'a', issuer: 'https://i', jwksUri: 'nope' } } },
      /incomingCallAuth.entra.jwksUri must be an absolute http\(s\) URL/,
    ],
    [{ incomingCallAuth: { token: {} } }, /unknown option 'incomingCallAuth.token'/],
    [
      { auth: { audience: 'a', jwksUri: 'https://k', openIdConfigurationUri: 'https://c' } },
      /auth takes jwksUri or openIdConfigurationUri, not both/,
    ],
  ])('refuse %j at start-up, naming the option', (options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(CallAutomationConfigurationError);
    expect(() => resolveOptions(options as never)).toThrow(message);
  });
});

describe('CallAutomationService with callbackSecret', () => {
  it('appends the secret to the callback URLs it fills in, and leaves given ones alone', async () => {
    const sent: { operation: string; url: string | undefined }[] = [];
    const client = {
      createCall: async (_target: unknown, url: string) => {
        sent.push({ operation: 'createCall', url });
        return { callConnectionProperties: { callConnectionId: 'c1' } };
      },
      answerCall: async (_context: unknown, url: string) => {
        sent.push({ operation: 'answerCall', url });
        return { callConnectionProperties: { callConnectionId: 'c2' } };
      },
      getCallConnection: () => ({
        getCallMedia: () => ({
          playToAll: async (_sources: unknown, options: { operationCallbackUrl?: string }) => {
            sent.push({ operation: 'playToAll', url: options.operationCallbackUrl });
            return {};
          },
        }),
      }),
    } as unknown as CallAutomationClient;
    const moduleRef = await Test.createTestingModule({
      imports: [
        CallAutomationModule.forRoot({
          client,
          callbackUri: 'https://bot.example.com/api/callbacks',
          callbackSecret: { value: SECRET },
        }),
      ],
    }).compile();
    await moduleRef.init();
    try {
      const calls = moduleRef.get(CallAutomationService);
      await calls.createCall({ targetParticipant: { communicationUserId: '8:acs:u' } });
      await calls.answerCall('incoming-context');
      await calls.answerCall('incoming-context', { callbackUrl: 'https://elsewhere.example/cb' });
      await calls.getCallMedia('c1').playToAll([{ kind: 'fileSource', url: 'https://a/b.wav' }]);
      const withSecret = `https://bot.example.com/api/callbacks?secret=${SECRET}`;
      expect(sent).toEqual([
        { operation: 'createCall', url: withSecret },
        { operation: 'answerCall', url: withSecret },
        { operation: 'answerCall', url: 'https://elsewhere.example/cb' },
        { operation: 'playToAll', url: withSecret },
      ]);
    } finally {
      await moduleRef.close();
    }
  });
});

describe.each(ADAPTERS)('query-string secret on %s', (adapter) => {
  const env = useJwksServerAndApp();

  const start = async (options = {}) => {
    env.test = await startApp({
      adapter,
      providers: [KindRecorder],
      options: { callbackSecret: { value: [SECRET, OLD_SECRET] }, ...options },
    });
    return env.test.app.get(KindRecorder);
  };

  it('accepts callbacks that carry the secret (current or previous)', async () => {
    const recorder = await start();
    expect(
      (await env.test.post(`api/callbacks?secret=${SECRET}`, [cloudEvent('CallConnected')])).status,
    ).toBe(200);
    expect(
      (await env.test.post(`api/callbacks?a=1&secret=${OLD_SECRET}`, [cloudEvent('PlayStarted')]))
        .status,
    ).toBe(200);
    await env.test.processor.whenIdle();
    expect(recorder.kinds).toEqual(['CallConnected', 'PlayStarted']);
  });

  it.each([
    ['no secret', 'api/callbacks', /'secret' query parameter is missing/],
    ['a wrong secret', `api/callbacks?secret=${SECRET.slice(0, -1)}x`, /is wrong/],
    ['a prefix of the secret', `api/callbacks?secret=${SECRET.slice(0, 20)}`, /is wrong/],
    ['the secret twice', `api/callbacks?secret=${SECRET}&secret=${SECRET}`, /more than once/],
    ['the secret under another name', `api/callbacks?token=${SECRET}`, /is missing/],
  ])(
    'answers 401 for %s, dispatching nothing and logging no secret',
    async (_name, path, reason) => {
      const recorder = await start();
      const response = await env.test.post(path, [cloudEvent('CallConnected')]);
      expect(response.status).toBe(401);
      const error = (await response.json()) as ErrorBody;
      expect(error.statusCode).toBe(401);
      expect(error.message).toMatch(reason);
      await env.test.processor.whenIdle();
      expect(recorder.kinds).toEqual([]);
      const logged = env.test.logger.messages().join('\n');
      expect(logged).toContain('Refused a callback to /api/callbacks');
      expect(logged).not.toContain(SECRET.slice(0, 16));
    },
  );

  it('requires both the secret and the token when both are configured', async () => {
    await start({
      auth: { audience: env.jwks.audience, issuer: env.jwks.issuer, jwksUri: env.jwks.jwksUri },
    });
    const token = { authorization: `Bearer ${await env.jwks.sign()}` };
    expect(
      (await env.test.post(`api/callbacks?secret=${SECRET}`, [cloudEvent('CallConnected')], token))
        .status,
    ).toBe(200);
    expect(
      (await env.test.post('api/callbacks', [cloudEvent('CallConnected')], token)).status,
    ).toBe(401);
    expect(
      (await env.test.post(`api/callbacks?secret=${SECRET}`, [cloudEvent('CallConnected')])).status,
    ).toBe(401);
  });
});
