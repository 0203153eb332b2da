import {
  CallAutomationClient,
  parseCallAutomationEvent,
} from '@azure/communication-call-automation';
import { describe, expect, it } from 'vitest';
import { type RestError, useEmulatorClient } from './support';

const CALLEE = { communicationUserId: '8:acs:resource_callee' };

describe('AcsEmulator: REST basics and call setup, driven by the real SDK', () => {
  const env = useEmulatorClient({ eventDelayMs: 5 });

  it('exposes a connection string the SDK accepts', () => {
    expect(env.emulator.connectionString).toMatch(
      /^endpoint=http:\/\/127\.0\.0\.1:\d+\/;accesskey=.+$/,
    );
    expect(env.emulator.auth.jwksUri).toBe(`${env.emulator.endpoint}calling/keys`);
  });

  it('rejects a request signed with a wrong access key with 401', async () => {
    const wrongKey = Buffer.alloc(32, 7).toString('base64');
    const intruder = new CallAutomationClient(
      `endpoint=${env.emulator.endpoint};accesskey=${wrongKey}`,
      {
        allowInsecureConnection: true,
      },
    );
    const error = (await intruder
      .createCall({ targetParticipant: CALLEE }, env.app.url())
      .catch((caught: unknown) => caught)) as RestError;
    expect(error.name).toBe('RestError');
    expect(error.statusCode).toBe(401);
    expect(env.emulator.calls).toHaveLength(0);
    expect(env.emulator.requests.at(-1)).toMatchObject({ status: 401 });
  });

  it('createCall: 201, then CallConnected with the operationContext and ParticipantsUpdated', async () => {
    const result = await env.client.createCall({ targetParticipant: CALLEE }, env.app.url(), {
      operationContext: 'dial-1',
    });
    const id = result.callConnectionProperties.callConnectionId ?? '';
    expect(id).not.toBe('');
    expect(result.callConnectionProperties.callConnectionState).toBe('connecting');
    // Real createCall answers carry no serverCallId (answerCall's and GET's do).
    expect(result.callConnectionProperties.serverCallId).toBeUndefined();
    const connected = await env.app.waitForEvent({ kind: 'CallConnected', callConnectionId: id });
    expect(connected.event.data).toMatchObject({
      operationContext: 'dial-1',
      callConnectionId: id,
    });
    expect(connected.event.source).toBe(`calling/callConnections/${id}`);
    expect(connected.event.subject).toBe(`calling/callConnections/${id}`);
    expect(connected.event).toMatchObject({
      specversion: '1.0',
      datacontenttype: 'application/json',
    });
    expect(Array.isArray(connected.request.body)).toBe(true);
    const updated = await env.app.waitForEvent({
      kind: 'ParticipantsUpdated',
      callConnectionId: id,
    });
    const parsed = parseCallAutomationEvent(structuredClone(updated.event));
    expect(parsed).toMatchObject({
      kind: 'ParticipantsUpdated',
      sequenceNumber: 1,
      // The app itself is listed too, as in real calls.
      participants: [
        { identifier: CALLEE, isMuted: false, isOnHold: false },
        { identifier: { communicationUserId: expect.stringMatching(/^8:acs:/) } },
      ],
    });
    const properties = await result.callConnection.getCallConnectionProperties();
    expect(properties).toMatchObject({ callConnectionId: id, callConnectionState: 'connected' });
    expect(properties.targetParticipants).toEqual([CALLEE]);
  });

  it('createCall to a target that declines: CreateCallFailed then CallDisconnected', async () => {
    env.emulator.script.party(CALLEE.communicationUserId, { answer: 'decline' });
    const result = await env.client.createCall({ targetParticipant: CALLEE }, env.app.url(), {
      operationContext: 'dial-2',
    });
    const id = result.callConnectionProperties.callConnectionId ?? '';
    const failed = await env.app.waitForEvent({ kind: 'CreateCallFailed', callConnectionId: id });
    expect(failed.event.data).toMatchObject({
      operationContext: 'dial-2',
      resultInformation: { code: 603, subCode: 8538 },
    });
    await env.app.waitForEvent({ kind: 'CallDisconnected', callConnectionId: id });
    expect(env.emulator.call(id).state).toBe('disconnected');
  });

  it('createGroupCall connects with the targets that answer', async () => {
    const busy = { phoneNumber: '+15550001111' };
    env.emulator.script.party('+15550001111', { answer: 'busy' });
    const result = await env.client.createGroupCall([CALLEE, busy], env.app.url(), {
      sourceCallIdNumber: { phoneNumber: '+18005550100' },
    });
    const id = result.callConnectionProperties.callConnectionId ?? '';
    await env.app.waitForEvent({ kind: 'CallConnected', callConnectionId: id });
    expect(env.emulator.call(id).participants.map((participant) => participant.rawId)).toEqual([
      CALLEE.communicationUserId,
    ]);
    expect(result.callConnectionProperties.sourceCallerIdNumber).toEqual({
      phoneNumber: '+18005550100',
    });
  });

  it('answers 404 for an unknown call and 400 for a bad body', async () => {
    const unknown = env.client.getCallConnection('no-such-call');
    const notFound = (await unknown
      .getCallConnectionProperties()
      .catch((error: unknown) => error)) as RestError;
    expect(notFound.statusCode).toBe(404);
    expect(notFound.code).toBe('8522');

    const badCallback = (await env.client
      .createCall({ targetParticipant: CALLEE }, 'not a url')
      .catch((error: unknown) => error)) as RestError;
    expect(badCallback.statusCode).toBe(400);
    expect(badCallback.code).toBe('8523');
    expect(badCallback.message).toContain('CallbackUri');
  });

  it('decodes path ids (a participant raw id with ":" and "+")', async () => {
    const phone = { phoneNumber: '+15551234567' };
    const result = await env.client.createCall({ targetParticipant: phone }, env.app.url());
    const id = result.callConnectionProperties.callConnectionId ?? '';
    await env.emulator.call(id).waitForState('connected');
    const participant = await result.callConnection.getParticipant(phone);
    expect(participant).toEqual({
      identifier: { phoneNumber: '+15551234567', rawId: '4:+15551234567' },
      isMuted: false,
      isOnHold: false,
    });
    expect(env.emulator.requests.at(-1)?.path).toContain('4%3A%2B15551234567');
  });

  it('hangUp (DELETE) and terminate answer 204 and send CallDisconnected; the call is gone after', async () => {
    const first = await env.client.createCall({ targetParticipant: CALLEE }, env.app.url());
    const second = await env.client.createCall({ targetParticipant: CALLEE }, env.app.url());
    const firstId = first.callConnectionProperties.callConnectionId ?? '';
    const secondId = second.callConnectionProperties.callConnectionId ?? '';
    await env.emulator.call(firstId).waitForState('connected');
    await env.emulator.call(secondId).waitForState('connected');

    await first.callConnection.hangUp(false);
    await second.callConnection.hangUp(true);
    expect(
      env.emulator.requests
        .filter((request) => request.status === 204)
        .map((request) => request.operation),
    ).toEqual(['hangUp', 'terminateCall']);
    const disconnected = await env.app.waitForEvent({
      kind: 'CallDisconnected',
      callConnectionId: firstId,
    });
    expect(disconnected.event.data).toMatchObject({
      resultInformation: { code: 200, subCode: 7000 },
    });
    await env.app.waitForEvent({ kind: 'CallDisconnected', callConnectionId: secondId });
    const gone = (await first.callConnection
      .getCallConnectionProperties()
      .catch((error: unknown) => error)) as RestError;
    expect(gone.statusCode).toBe(404);
  });

  it('refuses mid-call actions before the call is connected (400, 8501)', async () => {
    env.emulator.script.party(CALLEE.communicationUserId, { answerAfterMs: 60_000 });
    const result = await env.client.createCall({ targetParticipant: CALLEE }, env.app.url());
    const error = (await result.callConnection
      .getCallMedia()
      .playToAll([{ kind: 'fileSource', url: 'https://example.com/a.wav' }])
      .catch((caught: unknown) => caught)) as RestError;
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('8501');
  });

  it('connectCall joins a known server call and fails with ConnectFailed for an unknown one', async () => {
    const created = await env.client.createCall({ targetParticipant: CALLEE }, env.app.url());
    const createdId = created.callConnectionProperties.callConnectionId ?? '';
    await env.emulator.call(createdId).waitForState('connected');
    // createCall's answer has no serverCallId; GET has it, as in real ACS.
    const { serverCallId = '' } = await created.callConnection.getCallConnectionProperties();

    const joined = await env.client.connectCall(
      { kind: 'serverCallLocator', id: serverCallId },
      env.app.url(),
      {
        operationContext: 'join',
      },
    );
    const joinedId = joined.callConnectionProperties.callConnectionId ?? '';
    expect(joinedId).not.toBe(createdId);
    const connected = await env.app.waitForEvent({
      kind: 'CallConnected',
      callConnectionId: joinedId,
    });
    expect(connected.event.data).toMatchObject({ operationContext: 'join', serverCallId });

    const lost = await env.client.connectCall(
      { kind: 'serverCallLocator', id: 'unknown' },
      env.app.url(),
      { operationContext: 'lost' },
    );
    const lostId = lost.callConnectionProperties.callConnectionId ?? '';
    const failed = await env.app.waitForEvent({ kind: 'ConnectFailed', callConnectionId: lostId });
    expect(failed.event.data).toMatchObject({
      operationContext: 'lost',
      resultInformation: { code: 404 },
    });

    const room = await env.client.connectCall(
      { kind: 'roomCallLocator', id: 'room-1' },
      env.app.url(),
    );
    await env.app.waitForEvent({
      kind: 'CallConnected',
      callConnectionId: room.callConnectionProperties.callConnectionId ?? '',
    });
  });

  it('a retried request with the same Repeatability-Request-ID creates no second call', async () => {
    // The call is made but the answer is lost: the SDK retries with the same
    // Repeatability-Request-ID and gets the first answer, without a second call or events.
    env.emulator.script.nextOperation('createCall', { dropResponse: true });
    const result = await env.client.createCall({ targetParticipant: CALLEE }, env.app.url(), {
      operationContext: 'retried',
    });
    expect(env.emulator.calls).toHaveLength(1);
    expect(result.callConnectionProperties.callConnectionId).toBe(
      env.emulator.calls[0]?.callConnectionId,
    );
    const creates = env.emulator.requests.filter((request) => request.operation === 'createCall');
    expect(creates.map((request) => request.replayed)).toEqual([false, true]);
    await env.app.waitForEvent({ kind: 'ParticipantsUpdated', operationContext: undefined });
    expect(env.app.events.filter(({ event }) => event.type.endsWith('CallConnected'))).toHaveLength(
      1,
    );
  });

  it('a 5xx answer is not remembered: the SDK retry is carried out', async () => {
    env.emulator.script.nextOperation('createCall', { restError: 503 });
    await env.client.createCall({ targetParticipant: CALLEE }, env.app.url());
    const creates = env.emulator.requests.filter((request) => request.operation === 'createCall');
    expect(creates.map((request) => [request.status, request.replayed])).toEqual([
      [503, false],
      [201, false],
    ]);
    expect(env.emulator.calls).toHaveLength(1);
  });
});
