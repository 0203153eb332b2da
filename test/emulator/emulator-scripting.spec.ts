import { createServer } from 'node:net';
import {
  CallAutomationClient,
  type CallConnection,
  type CallMedia,
  parseCallAutomationEvent,
} from '@azure/communication-call-automation';
import {
  AcsEmulator,
  type CollectedEvent,
  callEvents,
  resultCodes,
} from 'nestjs-call-automation/testing';
import { describe, expect, it } from 'vitest';
import { CALLER, GREETING, type RestError, useEmulatorClient } from './support';

function kinds(events: readonly CollectedEvent[]): string[] {
  return events.map(({ event }) => event.type.replace('Microsoft.Communication.', ''));
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('AcsEmulator: scripting (failures, duplicates, ordering, delays, hang-ups, retries)', () => {
  const env = useEmulatorClient({ eventDelayMs: 5, mediaDurationMs: 20 });

  async function connectedCall(
    target: AcsEmulator = env.emulator,
  ): Promise<{ id: string; connection: CallConnection; media: CallMedia }> {
    const sdk =
      target === env.emulator
        ? env.client
        : new CallAutomationClient(target.connectionString, { allowInsecureConnection: true });
    const result = await sdk.createCall({ targetParticipant: CALLER }, env.app.url());
    const id = result.callConnectionProperties.callConnectionId ?? '';
    await env.app.waitForEvent({ kind: 'ParticipantsUpdated', callConnectionId: id });
    return { id, connection: result.callConnection, media: result.callConnection.getCallMedia() };
  }

  it('event-before-response: the outcome is delivered and answered before the REST response', async () => {
    env.emulator.script.nextOperation('createCall', { eventBeforeResponse: true });
    const result = await env.client.createCall({ targetParticipant: CALLER }, env.app.url(), {
      operationContext: 'early',
    });
    const id = result.callConnectionProperties.callConnectionId ?? '';
    // No waiting: by the time the SDK returned, the app had the events already.
    expect(kinds(env.app.events.filter(({ event }) => event.data.callConnectionId === id))).toEqual(
      ['CallConnected', 'ParticipantsUpdated'],
    );

    env.emulator.script.nextOperation('play', { eventBeforeResponse: true });
    await result.callConnection
      .getCallMedia()
      .playToAll([GREETING], { operationContext: 'early-play' });
    expect(
      kinds(env.app.events.filter(({ event }) => event.data.operationContext === 'early-play')),
    ).toEqual(['PlayStarted', 'PlayCompleted']);
  });

  it('duplicate: the outcome event is delivered twice with the same CloudEvent id', async () => {
    const { media } = await connectedCall();
    env.emulator.script.nextOperation('play', { duplicate: true });
    await media.playToAll([GREETING], { operationContext: 'twice' });
    const copies = await env.app.waitForEvents(2, {
      kind: 'PlayCompleted',
      operationContext: 'twice',
    });
    expect(copies[0]?.event.id).toBe(copies[1]?.event.id);
    expect(env.app.events.filter(({ event }) => event.type.endsWith('PlayStarted'))).toHaveLength(
      1,
    );
    await env.emulator.waitForDelivery(
      (attempt) => attempt.kind === 'PlayCompleted' && attempt.duplicate,
    );
    const attempts = env.emulator.deliveries.filter((attempt) => attempt.kind === 'PlayCompleted');
    expect(attempts.map((attempt) => attempt.duplicate)).toEqual([false, true]);
  });

  it('holdEvents + release("reverse") delivers events in another order; discard drops them', async () => {
    const { id, media } = await connectedCall();
    const held = env.emulator.holdEvents({
      callConnectionId: id,
      kind: ['PlayStarted', 'PlayCompleted'],
    });
    await media.playToAll([GREETING], { operationContext: 'reordered' });
    await held.waitFor(2);
    expect(env.app.events.some(({ event }) => event.data.operationContext === 'reordered')).toBe(
      false,
    );
    await held.release('reverse');
    expect(
      kinds(env.app.events.filter(({ event }) => event.data.operationContext === 'reordered')),
    ).toEqual(['PlayCompleted', 'PlayStarted']);

    const lost = env.emulator.holdEvents({ kind: 'PlayCompleted' });
    await media.playToAll([GREETING], { operationContext: 'lost' });
    await lost.waitFor(1);
    expect(lost.discard()).toHaveLength(1);
    await media.playToAll([GREETING], { operationContext: 'after' });
    await env.app.waitForEvent({ kind: 'PlayCompleted', operationContext: 'after' });
    expect(
      env.app.events.some(
        ({ event }) => event.data.operationContext === 'lost' && event.type.endsWith('Completed'),
      ),
    ).toBe(false);
  });

  it('delays: per kind globally, and per operation', async () => {
    const slow = await new AcsEmulator({
      eventDelayMs: 5,
      eventDelays: { PlayCompleted: 250 },
    }).start();
    try {
      const { media } = await connectedCall(slow);
      await media.playToAll([GREETING], { operationContext: 'slow' });
      const started = await env.app.waitForEvent({ kind: 'PlayStarted', operationContext: 'slow' });
      const completed = await env.app.waitForEvent({
        kind: 'PlayCompleted',
        operationContext: 'slow',
      });
      expect(completed.request.at.getTime() - started.request.at.getTime()).toBeGreaterThanOrEqual(
        200,
      );
    } finally {
      await slow.stop();
    }
    const { media } = await connectedCall();
    env.emulator.script.nextOperation('sendDtmfTones', { delayMs: 250 });
    const before = Date.now();
    await media.sendDtmfTones(['one'], CALLER, { operationContext: 'late' });
    const completed = await env.app.waitForEvent({
      kind: 'SendDtmfTonesCompleted',
      operationContext: 'late',
    });
    expect(completed.request.at.getTime() - before).toBeGreaterThanOrEqual(200);
  });

  it('remote hang-up at any time: CallDisconnected, nothing after it, the call is gone', async () => {
    const { id, connection, media } = await connectedCall();
    env.emulator.script.nextOperation('play', { durationMs: 60_000 });
    await media.playToAll([GREETING], { operationContext: 'long' });
    await env.app.waitForEvent({ kind: 'PlayStarted', operationContext: 'long' });
    await env.emulator.call(id).hangUp();
    const disconnected = await env.app.waitForEvent({
      kind: 'CallDisconnected',
      callConnectionId: id,
    });
    // The other party hung up: 200/5001, as real ACS reports it.
    expect(disconnected.event.data).toMatchObject({
      resultInformation: resultCodes.callEndedByParticipant,
    });
    expect(
      kinds(env.app.events.filter(({ event }) => event.data.callConnectionId === id)).at(-1),
    ).toBe('CallDisconnected');
    const error = (await media
      .playToAll([GREETING])
      .catch((caught: unknown) => caught)) as RestError;
    expect(error.statusCode).toBe(404);
    await expect(connection.getCallConnectionProperties()).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it('a participant leaves: ParticipantsUpdated without it (the app itself stays listed)', async () => {
    const { id } = await connectedCall();
    await env.emulator.call(id).leave(CALLER.phoneNumber);
    const updates = await env.app.waitForEvents(2, {
      kind: 'ParticipantsUpdated',
      callConnectionId: id,
    });
    expect(parseCallAutomationEvent(structuredClone(updates[1]?.event))).toMatchObject({
      participants: [{ identifier: { communicationUserId: expect.stringMatching(/^8:acs:/) } }],
    });
  });

  it('restError: the REST call fails with the scripted status and code (no events, no state change)', async () => {
    const { id, media, connection } = await connectedCall();
    env.emulator.call(id).nextOperation('hold', { restError: 409 });
    const conflict = (await media.hold(CALLER).catch((caught: unknown) => caught)) as RestError;
    expect(conflict).toMatchObject({ name: 'RestError', statusCode: 409, code: '8519' });
    expect((await connection.getParticipant(CALLER)).isOnHold).toBe(false);

    env.emulator.script.nextOperation('addParticipant', {
      restError: { status: 403, code: '7504', message: 'Insufficient application permissions.' },
    });
    const forbidden = (await connection
      .addParticipant({ targetParticipant: { communicationUserId: '8:acs:x' } })
      .catch((caught: unknown) => caught)) as RestError;
    expect(forbidden).toMatchObject({ statusCode: 403, code: '7504' });
    expect(forbidden.message).toContain('Insufficient application permissions.');
    expect(env.emulator.script.pending).toBe(0);
  });

  it('call-scoped scripts win over global ones; times applies a script to several runs', async () => {
    const first = await connectedCall();
    const second = await connectedCall();
    env.emulator.script.nextOperation('play', { fail: 'internalError', times: 2 });
    env.emulator.call(second.id).nextOperation('play', { fail: 'invalidFileFormat' });
    await second.media.playToAll([GREETING], { operationContext: 'scoped' });
    await first.media.playToAll([GREETING], { operationContext: 'global-1' });
    await first.media.playToAll([GREETING], { operationContext: 'global-2' });
    await first.media.playToAll([GREETING], { operationContext: 'plain' });
    const scoped = await env.app.waitForEvent({ kind: 'PlayFailed', operationContext: 'scoped' });
    expect(scoped.event.data).toMatchObject({ resultInformation: { subCode: 8535 } });
    await env.app.waitForEvent({ kind: 'PlayFailed', operationContext: 'global-1' });
    await env.app.waitForEvent({ kind: 'PlayFailed', operationContext: 'global-2' });
    await env.app.waitForEvent({ kind: 'PlayCompleted', operationContext: 'plain' });
    expect(() => env.emulator.script.nextOperation('play', { times: 0 })).toThrow();
  });

  it('retries a callback the app answers with 503, and records every attempt', async () => {
    const { media } = await connectedCall();
    env.app.respondWith(503, 2);
    await media.playToAll([GREETING], { operationContext: 'retried' });
    const completed = await env.emulator.waitForDelivery({ kind: 'PlayStarted', ok: true });
    expect(completed.attempt).toBe(3);
    const attempts = env.emulator.deliveries.filter((attempt) => attempt.kind === 'PlayStarted');
    expect(attempts.map((attempt) => attempt.status)).toEqual([503, 503, 200]);
    expect(new Set(attempts.map((attempt) => attempt.event.id)).size).toBe(1);
    await env.app.waitForEvent({ kind: 'PlayCompleted', operationContext: 'retried' });
  });

  it('gives up after the retries when the app cannot be reached, and records the network errors', async () => {
    const port = await closedPort();
    const unreachable = await new AcsEmulator({
      eventDelayMs: 1,
      callbackRetries: 2,
      callbackRetryDelayMs: 5,
    }).start();
    try {
      const sdk = new CallAutomationClient(unreachable.connectionString, {
        allowInsecureConnection: true,
      });
      await sdk.createCall({ targetParticipant: CALLER }, `http://127.0.0.1:${port}/callbacks`);
      await unreachable.waitForDelivery({ kind: 'CallConnected', ok: false });
      await unreachable.waitForDelivery(
        (attempt) => attempt.kind === 'CallConnected' && attempt.attempt === 3,
      );
      const attempts = unreachable.deliveries.filter((attempt) => attempt.kind === 'CallConnected');
      expect(attempts).toHaveLength(3);
      expect(attempts.every((attempt) => attempt.status === undefined && attempt.error)).toBe(true);
    } finally {
      await unreachable.stop();
    }
  });

  it('sendEvent posts a factory-made event as a signed callback', async () => {
    const event = callEvents.playCompleted({
      callConnectionId: 'c-1',
      operationContext: 'hand-made',
    });
    const attempt = await env.emulator.sendEvent(env.app.url(), event);
    expect(attempt).toMatchObject({
      ok: true,
      status: 200,
      kind: 'PlayCompleted',
      callConnectionId: 'c-1',
    });
    const received = await env.app.waitForEvent({ operationContext: 'hand-made' });
    expect(received.event).toEqual(event);
    expect(received.request.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  });
});
