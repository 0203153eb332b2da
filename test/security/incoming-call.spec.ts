import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import {
  type CallAutomationModuleOptions,
  type CallEvent,
  type IncomingCall,
  OnCallEvent,
} from 'nestjs-call-automation';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, startApp } from '../support/app';
import { cloudEvent } from '../support/events';
import type { JwksServer } from '../support/jwks-server';
import { type ErrorBody, useJwksServerAndApp } from './support';

const SECRET = 'aW5jb21pbmctY2FsbC1zZWNyZXQtMDEyMzQ1';
const ROLE = { roles: ['AzureEventGridSecureWebhookSubscriber'] };

@Injectable()
class IncomingCalls {
  readonly calls: IncomingCall[] = [];
  readonly kinds: string[] = [];
  @OnCallEvent('IncomingCall')
  onIncoming(event: IncomingCall): void {
    this.calls.push(event);
  }
  @OnCallEvent('*')
  onAny(event: CallEvent): void {
    this.kinds.push(event.kind);
  }
}

const incomingData = {
  to: { kind: 'communicationUser', rawId: '8:acs:bot', communicationUser: { id: '8:acs:bot' } },
  from: { kind: 'phoneNumber', rawId: '4:+15550100', phoneNumber: { value: '+15550100' } },
  serverCallId: 'server-call-1',
  callerDisplayName: 'Ada',
  customContext: { sipHeaders: { 'X-Case': '42' }, voipHeaders: {} },
  incomingCallContext: 'signed-context',
  correlationId: 'correlation-1',
};

const eventGridIncomingCall = (id = 'eg-incoming-1') => ({
  id,
  topic:
    '/subscriptions/s/resourceGroups/r/providers/Microsoft.Communication/communicationServices/acs',
  subject: '/caller/4:+15550100/recipient/8:acs:bot',
  eventType: 'Microsoft.Communication.IncomingCall',
  eventTime: '2026-11-24T10:00:00Z',
  dataVersion: '1.0',
  metadataVersion: '1',
  data: incomingData,
});

const validationEvent = [
  {
    id: 'validation-1',
    topic: '/subscriptions/s',
    subject: '',
    eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
    eventTime: '2026-11-24T10:00:00Z',
    data: { validationCode: 'code-123', validationUrl: 'https://rp.example/validate' },
    dataVersion: '2',
    metadataVersion: '1',
  },
];

describe.each(ADAPTERS)('Event Grid incoming-call endpoint on %s', (adapter) => {
  const env = useJwksServerAndApp({ audience: 'api://call-bot' });

  const start = async (options: CallAutomationModuleOptions = {}) => {
    env.test = await startApp({ adapter, providers: [IncomingCalls], options });
    return env.test.app.get(IncomingCalls);
  };
  const entra = () => ({
    audience: 'api://call-bot',
    issuer: env.jwks.issuer,
    jwksUri: env.jwks.jwksUri,
  });
  const options = (path: string, headers: Record<string, string> = {}) =>
    fetch(env.test.url(path), { method: 'OPTIONS', headers });
  const notification = { 'aeg-event-type': 'Notification' };

  it('dispatches a typed IncomingCall (Event Grid schema) to @OnCallEvent handlers', async () => {
    const handlers = await start();
    const response = await env.test.post(
      'api/incomingCall',
      [eventGridIncomingCall()],
      notification,
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 1, dispatched: 1, duplicates: 0 });
    await env.test.processor.whenIdle();
    expect(handlers.calls).toEqual([{ ...incomingData, kind: 'IncomingCall' }]);
  });

  it('dispatches the CloudEvents schema too, single or batched, and drops redeliveries', async () => {
    const handlers = await start();
    const event = cloudEvent('IncomingCall', incomingData, 'ce-incoming-1');
    expect(
      (
        await env.test.post('api/incomingCall', event, {
          'content-type': 'application/cloudevents+json',
        })
      ).status,
    ).toBe(200);
    const again = await env.test.post('api/incomingCall', [event], {
      'content-type': 'application/cloudevents-batch+json',
    });
    expect(await again.json()).toEqual({ received: 1, dispatched: 0, duplicates: 1 });
    await env.test.processor.whenIdle();
    expect(handlers.calls).toHaveLength(1);
    expect(handlers.calls[0]).toMatchObject({
      incomingCallContext: 'signed-context',
      from: { rawId: '4:+15550100' },
    });
  });

  it('answers both handshakes without dispatching them', async () => {
    const handlers = await start();
    const validation = await env.test.post('api/incomingCall', validationEvent, {
      'aeg-event-type': 'SubscriptionValidation',
    });
    expect(validation.status).toBe(200);
    expect(await validation.json()).toEqual({ validationResponse: 'code-123' });
    const handshake = await options('api/incomingCall', {
      'WebHook-Request-Origin': 'eventgrid.azure.net',
    });
    expect(handshake.status).toBe(200);
    expect(handshake.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    expect(handshake.headers.get('webhook-allowed-rate')).toBe('*');
    await env.test.processor.whenIdle();
    expect(handlers.kinds).toEqual([]);
  });

  it.each([
    [
      'a validation event without the handshake header',
      validationEvent,
      notification,
      /without the 'aeg-event-type: SubscriptionValidation' header/,
    ],
    [
      'a handshake without a validation code',
      [{ ...validationEvent[0], data: {} }],
      { 'aeg-event-type': 'SubscriptionValidation' },
      /must hold only/,
    ],
    [
      'a handshake with more than the validation event',
      [...validationEvent, eventGridIncomingCall()],
      { 'aeg-event-type': 'SubscriptionValidation' },
      /must hold only/,
    ],
    [
      'a mid-call callback kind',
      [cloudEvent('CallDisconnected', { callConnectionId: 'c1' })],
      notification,
      /mid-call callback/,
    ],
    [
      'a mid-call kind in the Event Grid schema',
      [
        eventGridIncomingCall('a'),
        { ...eventGridIncomingCall('b'), eventType: 'Microsoft.Communication.PlayCompleted' },
      ],
      notification,
      /Entry 1 .*mid-call callback/,
    ],
  ])('answers 400 for %s, dispatching nothing', async (_name, body, headers, message) => {
    const handlers = await start();
    const response = await env.test.post('api/incomingCall', body, headers);
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).message).toMatch(message);
    await env.test.processor.whenIdle();
    expect(handlers.kinds).toEqual([]);
  });

  it("leaves Event Grid's own events out", async () => {
    const handlers = await start();
    const response = await env.test.post(
      'api/incomingCall',
      [
        {
          ...eventGridIncomingCall('x'),
          eventType: 'Microsoft.EventGrid.SubscriptionDeletedEvent',
          data: {},
        },
        eventGridIncomingCall('y'),
      ],
      notification,
    );
    expect(await response.json()).toEqual({ received: 1, dispatched: 1, duplicates: 0 });
    await env.test.processor.whenIdle();
    expect(handlers.kinds).toEqual(['IncomingCall']);
  });

  it('refuses an OPTIONS origin that is not a host name', async () => {
    await start();
    const response = await options('api/incomingCall', { 'WebHook-Request-Origin': 'a b/c' });
    expect(response.status).toBe(400);
  });

  describe('with a query-string secret', () => {
    const secret: CallAutomationModuleOptions = {
      incomingCallAuth: { secret: { value: SECRET, name: 'code' } },
    };

    it('accepts deliveries and both handshakes that carry it', async () => {
      const handlers = await start(secret);
      const path = `api/incomingCall?code=${SECRET}`;
      expect((await env.test.post(path, [eventGridIncomingCall()], notification)).status).toBe(200);
      const validation = await env.test.post(path, validationEvent, {
        'aeg-event-type': 'SubscriptionValidation',
      });
      expect(await validation.json()).toEqual({ validationResponse: 'code-123' });
      const handshake = await options(path, { 'WebHook-Request-Origin': 'eventgrid.azure.net' });
      expect(handshake.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
      await env.test.processor.whenIdle();
      expect(handlers.kinds).toEqual(['IncomingCall']);
    });

    it('refuses deliveries and handshakes without it (401, no consent, nothing dispatched)', async () => {
      const handlers = await start(secret);
      expect(
        (await env.test.post('api/incomingCall', [eventGridIncomingCall()], notification)).status,
      ).toBe(401);
      const validation = await env.test.post('api/incomingCall?code=wrong', validationEvent, {
        'aeg-event-type': 'SubscriptionValidation',
      });
      expect(validation.status).toBe(401);
      expect(JSON.stringify(await validation.json())).not.toContain('code-123');
      const handshake = await options('api/incomingCall', {
        'WebHook-Request-Origin': 'eventgrid.azure.net',
      });
      expect(handshake.status).toBe(401);
      expect(handshake.headers.get('webhook-allowed-origin')).toBeNull();
      await env.test.processor.whenIdle();
      expect(handlers.kinds).toEqual([]);
      expect(env.test.logger.messages('warn').join('\n')).toContain(
        'Refused an Event Grid delivery to /api/incomingCall',
      );
    });

    it('is not asked of callbacks (webhookPath has its own options)', async () => {
      await start(secret);
      expect((await env.test.post('api/callbacks', [cloudEvent('CallConnected')])).status).toBe(
        200,
      );
    });
  });

  describe('with Entra ID bearer tokens', () => {
    it('accepts deliveries with a valid token and dispatches them', async () => {
      const handlers = await start({ incomingCallAuth: { entra: entra() } });
      const token = await env.jwks.sign({ claims: ROLE });
      const response = await env.test.post('api/incomingCall', [eventGridIncomingCall()], {
        ...notification,
        authorization: `Bearer ${token}`,
      });
      expect(response.status).toBe(200);
      await env.test.processor.whenIdle();
      expect(handlers.calls).toHaveLength(1);
    });

    it.each([
      ['no token', async (_j: JwksServer) => undefined],
      ['a token without the Event Grid role', (j: JwksServer) => j.sign()],
      [
        'a token of another tenant',
        (j: JwksServer) =>
          j.sign({ claims: ROLE, issuer: 'https://login.microsoftonline.com/other/v2.0' }),
      ],
      [
        'a token for another app',
        (j: JwksServer) => j.sign({ claims: ROLE, audience: 'api://other' }),
      ],
      ['an expired token', (j: JwksServer) => j.sign({ claims: ROLE, expiresIn: -600 })],
      ['an unsigned token', (j: JwksServer) => j.sign({ claims: ROLE, algorithm: 'none' })],
      ['a forged token', (j: JwksServer) => j.sign({ claims: ROLE, key: 'foreign' })],
    ])('refuses a delivery with %s (401, nothing dispatched)', async (_name, token) => {
      const handlers = await start({ incomingCallAuth: { entra: entra() } });
      const signed = await token(env.jwks);
      const response = await env.test.post('api/incomingCall', [eventGridIncomingCall()], {
        ...notification,
        ...(signed ? { authorization: `Bearer ${signed}` } : {}),
      });
      expect(response.status).toBe(401);
      expect(((await response.json()) as ErrorBody).statusCode).toBe(401);
      await env.test.processor.whenIdle();
      expect(handlers.kinds).toEqual([]);
    });

    it('checks the token on the validation POST too (Event Grid sends it on every request)', async () => {
      await start({ incomingCallAuth: { entra: entra() } });
      const refused = await env.test.post('api/incomingCall', validationEvent, {
        'aeg-event-type': 'SubscriptionValidation',
      });
      expect(refused.status).toBe(401);
      const accepted = await env.test.post('api/incomingCall', validationEvent, {
        'aeg-event-type': 'SubscriptionValidation',
        authorization: `Bearer ${await env.jwks.sign({ claims: ROLE })}`,
      });
      expect(await accepted.json()).toEqual({ validationResponse: 'code-123' });
    });

    it('answers the CloudEvents OPTIONS handshake before the token check', async () => {
      await start({ incomingCallAuth: { entra: entra() } });
      const handshake = await options('api/incomingCall', {
        'WebHook-Request-Origin': 'eventgrid.azure.net',
      });
      expect(handshake.status).toBe(200);
      expect(handshake.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    });

    it('requires both the secret and the token when both are set', async () => {
      await start({ incomingCallAuth: { entra: entra(), secret: { value: SECRET } } });
      const authorization = `Bearer ${await env.jwks.sign({ claims: ROLE })}`;
      expect(
        (
          await env.test.post('api/incomingCall', [eventGridIncomingCall()], {
            ...notification,
            authorization,
          })
        ).status,
      ).toBe(401);
      expect(
        (
          await env.test.post(`api/incomingCall?secret=${SECRET}`, [eventGridIncomingCall()], {
            ...notification,
            authorization,
          })
        ).status,
      ).toBe(200);
      expect(
        (await options('api/incomingCall', { 'WebHook-Request-Origin': 'eventgrid.azure.net' }))
          .status,
      ).toBe(401);
    });
  });
});
