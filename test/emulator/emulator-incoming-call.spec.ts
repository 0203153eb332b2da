import {
  parseCallAutomationEvent,
  type RecognizeCompleted,
} from '@azure/communication-call-automation';
import type { EventGridSchemaEvent, IncomingCallEventData } from 'nestjs-call-automation/testing';
import { describe, expect, it } from 'vitest';
import { AGENT, GREETING, type RestError, useEmulatorClient } from './support';

const GOODBYE = { kind: 'textSource' as const, text: 'Goodbye!', voiceName: 'en-US-JennyNeural' };

describe('AcsEmulator: incoming calls through Event Grid', () => {
  // Mid-call events must parse with the SDK; its 1.6 parser does not know IncomingCall.
  const env = useEmulatorClient(
    { eventDelayMs: 5, mediaDurationMs: 20 },
    { unparsedTypes: ['Microsoft.Communication.IncomingCall'] },
  );

  it('posts IncomingCall in the Event Grid schema with aeg-event-type: Notification', async () => {
    const incoming = await env.emulator.placeIncomingCall({
      url: env.app.url('/api/incomingCall'),
      from: '+15551230000',
      callerDisplayName: 'Ada',
      customContext: { sipHeaders: { 'X-MS-Custom-Order': '42' } },
    });
    expect(incoming.delivery).toMatchObject({ ok: true, status: 200, kind: 'IncomingCall' });
    const [request] = env.app.requests;
    expect(request?.headers['aeg-event-type']).toBe('Notification');
    expect(request?.headers.authorization).toBeUndefined();
    const [event] = (request?.body ?? []) as EventGridSchemaEvent<IncomingCallEventData>[];
    expect(event).toMatchObject({
      eventType: 'Microsoft.Communication.IncomingCall',
      dataVersion: '1.0',
      metadataVersion: '1',
      topic: expect.stringContaining('/providers/Microsoft.Communication/communicationServices/'),
      subject: `/caller/4:+15551230000/recipient/4:+18005550100`,
      data: {
        from: {
          kind: 'phoneNumber',
          rawId: '4:+15551230000',
          phoneNumber: { value: '+15551230000' },
        },
        to: { kind: 'phoneNumber', rawId: '4:+18005550100' },
        callerDisplayName: 'Ada',
        incomingCallContext: incoming.incomingCallContext,
        serverCallId: incoming.serverCallId,
        correlationId: incoming.correlationId,
        customContext: { sipHeaders: { 'X-MS-Custom-Order': '42' } },
      },
    });
    expect(event?.id).toMatch(/[0-9a-f-]{36}/);
    expect(Number.isNaN(Date.parse(event?.eventTime ?? ''))).toBe(false);
    expect(incoming.state).toBe('ringing');
  });

  it('can deliver in the CloudEvents schema instead', async () => {
    const token = await env.emulator.signToken({
      audience: 'api://my-app',
      claims: { roles: ['Subscriber'] },
    });
    await env.emulator.placeIncomingCall({
      url: env.app.url('/api/incomingCall?secret=s3cr3t'),
      schema: 'cloudEvents',
      headers: { authorization: `Bearer ${token}` },
    });
    const [request] = env.app.requests;
    expect(request?.url).toBe('/api/incomingCall?secret=s3cr3t');
    expect(request?.headers.authorization).toBe(`Bearer ${token}`);
    expect(request?.headers['content-type']).toContain('application/cloudevents+json');
    expect(request?.body).toMatchObject({
      type: 'Microsoft.Communication.IncomingCall',
      specversion: '1.0',
      data: { incomingCallContext: expect.any(String) },
    });
  });

  it('answerCall accepts the issued context (once); an unknown context is refused', async () => {
    const incoming = await env.emulator.placeIncomingCall({ url: env.app.url('/incoming') });
    const answered = await env.client.answerCall(incoming.incomingCallContext, env.app.url(), {
      operationContext: 'answer',
    });
    const id = answered.callConnectionProperties.callConnectionId ?? '';
    expect(answered.callConnectionProperties.serverCallId).toBe(incoming.serverCallId);
    expect(answered.callConnectionProperties.correlationId).toBe(incoming.correlationId);
    const connected = await env.app.waitForEvent({ kind: 'CallConnected', callConnectionId: id });
    expect(connected.event.data).toMatchObject({
      operationContext: 'answer',
      correlationId: incoming.correlationId,
    });
    const call = await incoming.waitForAnswer();
    expect(call.callConnectionId).toBe(id);
    expect(call.participants.map((participant) => participant.rawId)).toEqual(['4:+15550100100']);

    const again = (await env.client
      .answerCall(incoming.incomingCallContext, env.app.url())
      .catch((error: unknown) => error)) as RestError;
    expect(again.statusCode).toBe(400);
    const forged = (await env.client
      .answerCall(`${incoming.incomingCallContext.slice(0, -4)}AAAA`, env.app.url())
      .catch((error: unknown) => error)) as RestError;
    expect(forged).toMatchObject({ statusCode: 400, code: '8523' });
    await expect(env.client.rejectCall('not-a-context')).rejects.toMatchObject({ statusCode: 400 });
  });

  it('rejectCall and redirectCall: 204, no callbacks, the incoming call is settled', async () => {
    const rejected = await env.emulator.placeIncomingCall({ url: env.app.url('/incoming') });
    await env.client.rejectCall(rejected.incomingCallContext, { callRejectReason: 'busy' });
    expect(await rejected.waitForOutcome()).toBe('rejected');
    await expect(rejected.waitForAnswer()).rejects.toThrow(/rejected/);

    const redirected = await env.emulator.placeIncomingCall({ url: env.app.url('/incoming') });
    await env.client.redirectCall(redirected.incomingCallContext, { targetParticipant: AGENT });
    expect(redirected.state).toBe('redirected');
    expect(env.app.events).toHaveLength(0);
    expect(env.emulator.calls).toHaveLength(0);
  });

  it('a scripted AnswerFailed ends the new connection', async () => {
    const incoming = await env.emulator.placeIncomingCall({ url: env.app.url('/incoming') });
    env.emulator.script.nextOperation('answerCall', { fail: 'callerHungUp' });
    const answered = await env.client.answerCall(incoming.incomingCallContext, env.app.url(), {
      operationContext: 'a',
    });
    const id = answered.callConnectionProperties.callConnectionId ?? '';
    const failed = await env.app.waitForEvent({ kind: 'AnswerFailed', callConnectionId: id });
    expect(failed.event.data).toMatchObject({
      operationContext: 'a',
      resultInformation: { code: 487 },
    });
    await env.app.waitForEvent({ kind: 'CallDisconnected', callConnectionId: id });
  });

  it('runs the demo IVR: answer, greet, recognize the caller key, transfer to an agent or say goodbye', async () => {
    async function runIvr(callerKey: string): Promise<string[]> {
      const incoming = await env.emulator.placeIncomingCall({
        url: env.app.url('/incoming'),
        caller: { dtmf: callerKey },
      });
      const answered = await env.client.answerCall(incoming.incomingCallContext, env.app.url());
      const id = answered.callConnectionProperties.callConnectionId ?? '';
      const media = answered.callConnection.getCallMedia();
      await env.app.waitForEvent({ kind: 'CallConnected', callConnectionId: id });
      await media.playToAll([GREETING], { operationContext: `greeting-${id}` });
      await env.app.waitForEvent({ kind: 'PlayCompleted', operationContext: `greeting-${id}` });
      const caller = { phoneNumber: '+15550100100' };
      await media.startRecognizing(caller, {
        kind: 'callMediaRecognizeDtmfOptions',
        maxTonesToCollect: 1,
        operationContext: `menu-${id}`,
      });
      const choice = await env.app.waitForEvent({
        kind: 'RecognizeCompleted',
        operationContext: `menu-${id}`,
      });
      const recognized = parseCallAutomationEvent(
        structuredClone(choice.event),
      ) as RecognizeCompleted;
      if (recognized.dtmfResult?.tones?.[0] === 'one') {
        await answered.callConnection.transferCallToParticipant(AGENT, {
          operationContext: `transfer-${id}`,
        });
        await env.app.waitForEvent({ kind: 'CallTransferAccepted', callConnectionId: id });
      } else {
        await media.playToAll([GOODBYE], { operationContext: `goodbye-${id}` });
        await env.app.waitForEvent({ kind: 'PlayCompleted', operationContext: `goodbye-${id}` });
        await answered.callConnection.hangUp(true);
      }
      await env.app.waitForEvent({ kind: 'CallDisconnected', callConnectionId: id });
      return env.app.events
        .filter(({ event }) => event.data.callConnectionId === id)
        .map(({ event }) => event.type.replace('Microsoft.Communication.', ''));
    }

    expect(await runIvr('1')).toEqual([
      'CallConnected',
      'ParticipantsUpdated',
      'PlayStarted',
      'PlayCompleted',
      'RecognizeCompleted',
      'CallTransferAccepted',
      'CallDisconnected',
    ]);
    expect(await runIvr('2')).toEqual([
      'CallConnected',
      'ParticipantsUpdated',
      'PlayStarted',
      'PlayCompleted',
      'RecognizeCompleted',
      'PlayStarted',
      'PlayCompleted',
      'CallDisconnected',
    ]);
  });

  it('Event Grid-schema handshake: reports what the app answered', async () => {
    env.app.reply((request) => {
      if (request.headers['aeg-event-type'] !== 'SubscriptionValidation') return undefined;
      const [event] = request.body as { data: { validationCode: string } }[];
      return { status: 200, body: { validationResponse: event?.data.validationCode } };
    });
    const accepted = await env.emulator.validateEventGridSubscription(env.app.url('/incoming'), {
      validationCode: 'CODE-1',
    });
    expect(accepted).toEqual({
      status: 200,
      body: { validationResponse: 'CODE-1' },
      validationCode: 'CODE-1',
      validated: true,
    });
    const [request] = env.app.requests;
    expect(request?.body).toMatchObject([
      {
        eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
        data: { validationCode: 'CODE-1', validationUrl: expect.stringContaining('https://') },
      },
    ]);

    env.app.reply(() => ({ status: 202 }));
    const refused = await env.emulator.validateEventGridSubscription(env.app.url('/incoming'));
    expect(refused.validated).toBe(false);
  });

  it('CloudEvents-schema handshake: OPTIONS with WebHook-Request-Origin', async () => {
    env.app.reply((request) =>
      request.method === 'OPTIONS'
        ? {
            status: 200,
            headers: {
              'WebHook-Allowed-Origin': String(request.headers['webhook-request-origin']),
              'WebHook-Allowed-Rate': '*',
              Allow: 'POST',
            },
          }
        : undefined,
    );
    const result = await env.emulator.validateCloudEventsSubscription(env.app.url('/incoming'));
    expect(result).toEqual({
      status: 200,
      allowedOrigin: 'eventgrid.azure.net',
      allowedRate: '*',
      allow: 'POST',
      validated: true,
    });
    env.app.reply(() => ({ status: 200 }));
    expect(
      (await env.emulator.validateCloudEventsSubscription(env.app.url('/incoming'))).validated,
    ).toBe(false);
  });
});
