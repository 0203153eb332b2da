import type { AnswerCallResult, ParticipantsUpdated } from '@azure/communication-call-automation';
import { Injectable } from '@nestjs/common';
import {
  type Awaitable,
  CallAutomationService,
  type IncomingCall,
  OnCallEvent,
} from 'nestjs-call-automation';
import { describe, expect, it } from 'vitest';
import { ADAPTERS } from '../support/app';
import {
  AGENT,
  CALLER,
  connectedCall,
  GREETING,
  type PhoneNumber,
  UUID,
  until,
  useClientHarness,
} from './support';

/** Answers every incoming call, as an app's `@OnCallEvent('IncomingCall')` handler does. */
@Injectable()
class IncomingCallAnswerer {
  readonly answers = new Map<string, Promise<Awaitable<'answerCall', AnswerCallResult>>>();

  constructor(private readonly calls: CallAutomationService) {}

  @OnCallEvent('IncomingCall')
  onIncomingCall(event: IncomingCall): void {
    const answer = this.calls.answerCall(event.incomingCallContext);
    answer.catch(() => undefined); // the test awaits it; keep Node from calling it unhandled
    this.answers.set(event.incomingCallContext, answer);
  }
}

/** Keeps every ParticipantsUpdated, as an app's roster would. */
@Injectable()
class Roster {
  readonly updates: ParticipantsUpdated[] = [];

  @OnCallEvent('ParticipantsUpdated')
  onParticipants(event: ParticipantsUpdated): void {
    this.updates.push(event);
  }
}

describe.each(ADAPTERS)('the seed flows against the emulator, on %s', (adapter) => {
  const harness = useClientHarness({ adapter, providers: [IncomingCallAnswerer, Roster] });

  it('createCall, then await CallConnected (with a fresh operationContext)', async () => {
    const { calls, emulator, callbackUri } = harness;
    const call = await calls.createCall({ targetParticipant: CALLER });
    const id = call.callConnectionProperties.callConnectionId ?? '';
    expect(call.operationContext).toMatch(UUID);
    const outcome = await call.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(outcome.isSuccess).toBe(true);
    expect(outcome.failureResult).toBeUndefined();
    expect(outcome.successResult).toMatchObject({
      kind: 'CallConnected',
      callConnectionId: id,
      operationContext: call.operationContext,
    });
    expect(emulator.call(id).state).toBe('connected');
    expect(emulator.call(id).callbackUri).toBe(callbackUri);
    await emulator.call(id).hangUp();
  });

  it('playToAll, then await PlayCompleted; a scripted failure gives PlayFailed', async () => {
    const { id, media } = await connectedCall(harness);
    const play = await media.playToAll([GREETING]);
    const played = await play.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(played).toEqual({
      isSuccess: true,
      successResult: expect.objectContaining({
        kind: 'PlayCompleted',
        callConnectionId: id,
        operationContext: play.operationContext,
      }),
    });

    harness.emulator.call(id).nextOperation('play', { fail: 'fileNotFound' });
    const failing = await media.playToAll([GREETING]);
    const failed = await failing.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(failed.isSuccess).toBe(false);
    expect(failed.successResult).toBeUndefined();
    expect(failed.failureResult).toMatchObject({
      kind: 'PlayFailed',
      operationContext: failing.operationContext,
      resultInformation: { code: 400, subCode: 8536 },
    });
    await harness.emulator.call(id).hangUp();
  });

  it('handles ParticipantsUpdated with an @OnCallEvent handler', async () => {
    const roster = harness.test.app.get(Roster);
    const { id, connection } = await connectedCall(harness);
    await until(
      () => roster.updates.some((update) => update.callConnectionId === id),
      'the roster saw the call',
    );
    const first = roster.updates.find((update) => update.callConnectionId === id);
    // A 1:1 call lists two participants: the caller and the app itself, as real ACS does.
    expect(first?.participants.map((participant) => participant.identifier)).toEqual([
      expect.objectContaining({ phoneNumber: CALLER.phoneNumber }),
      { communicationUserId: expect.stringMatching(/^8:acs:/) },
    ]);
    const added = await connection.addParticipant({ targetParticipant: AGENT });
    expect((await added.waitForEventProcessor()).isSuccess).toBe(true);
    await until(
      () =>
        roster.updates.some(
          (update) => update.callConnectionId === id && update.participants.length === 3,
        ),
      'the roster saw the agent join',
    );
    await harness.emulator.call(id).hangUp();
  });

  it('answers an IncomingCall from an @OnCallEvent handler and awaits CallConnected; hangUp gives CallDisconnected', async () => {
    const { emulator, incomingCallUrl, test } = harness;
    const incoming = await emulator.placeIncomingCall({ url: incomingCallUrl });
    expect(incoming.delivery).toMatchObject({ ok: true, status: 200 });
    const answerer = test.app.get(IncomingCallAnswerer);
    await until(() => answerer.answers.has(incoming.incomingCallContext), 'the handler answered');
    const answered = await answerer.answers.get(incoming.incomingCallContext);
    const outcome = await answered?.waitForEventProcessor({ timeoutMs: 10_000 });
    const id = answered?.callConnectionProperties.callConnectionId ?? '';
    expect(outcome?.successResult).toMatchObject({ kind: 'CallConnected', callConnectionId: id });
    expect((await incoming.waitForAnswer()).callConnectionId).toBe(id);

    const hangUp = await harness.calls.getCallConnection(id).hangUp(true);
    const ended = await hangUp.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(ended).toEqual({
      isSuccess: true,
      successResult: expect.objectContaining({ kind: 'CallDisconnected', callConnectionId: id }),
    });
    expect(emulator.call(id).state).toBe('disconnected');
    expect(harness.pendingOperations()).toBe(0);
  });
});

describe('call setup operations: success and failure', () => {
  const harness = useClientHarness();

  it('createCall to a busy callee: CreateCallFailed as the failure result', async () => {
    const busy: PhoneNumber = { phoneNumber: '+15550100486' };
    harness.emulator.script.party(busy.phoneNumber, { answer: 'busy' });
    const call = await harness.calls.createCall({ targetParticipant: busy });
    const outcome = await call.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(outcome.isSuccess).toBe(false);
    expect(outcome.failureResult).toMatchObject({
      kind: 'CreateCallFailed',
      callConnectionId: call.callConnectionProperties.callConnectionId,
      operationContext: call.operationContext,
      resultInformation: { code: 486, subCode: 8539 },
    });
  });

  it('createGroupCall: CallConnected; scripted failure: CreateCallFailed', async () => {
    const { calls, emulator } = harness;
    const group = await calls.createGroupCall([CALLER, AGENT]);
    const connected = await group.waitForEventProcessor({ timeoutMs: 10_000 });
    const id = group.callConnectionProperties.callConnectionId ?? '';
    expect(connected.successResult).toMatchObject({ kind: 'CallConnected', callConnectionId: id });
    expect(emulator.call(id).participants).toHaveLength(2);
    await emulator.call(id).hangUp();

    emulator.script.nextOperation('createCall', { fail: 'noAnswer' });
    const failing = await calls.createGroupCall([CALLER, AGENT]);
    const failed = await failing.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(failed.isSuccess).toBe(false);
    expect(failed.failureResult).toMatchObject({
      kind: 'CreateCallFailed',
      resultInformation: { code: 408 },
    });
  });

  it('answerCall of an IncomingCall taken with waitForEvent; scripted failure: AnswerFailed', async () => {
    const { calls, emulator, incomingCallUrl, processor } = harness;
    const incoming = await emulator.placeIncomingCall({ url: incomingCallUrl });
    const event = await processor.waitForEvent({ kind: 'IncomingCall' }, { timeoutMs: 5_000 });
    expect(event.incomingCallContext).toBe(incoming.incomingCallContext);
    const answered = await calls.answerCall(event.incomingCallContext);
    const outcome = await answered.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(outcome.successResult).toMatchObject({
      kind: 'CallConnected',
      callConnectionId: answered.callConnectionProperties.callConnectionId,
    });
    await (await incoming.waitForAnswer()).hangUp();

    emulator.script.nextOperation('answerCall', { fail: 'callerHungUp' });
    const second = await emulator.placeIncomingCall({ url: incomingCallUrl });
    const secondEvent = await processor.waitForEvent({ kind: 'IncomingCall' });
    expect(secondEvent.incomingCallContext).toBe(second.incomingCallContext);
    const failing = await calls.answerCall(secondEvent.incomingCallContext);
    const failed = await failing.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(failed.isSuccess).toBe(false);
    expect(failed.failureResult).toMatchObject({
      kind: 'AnswerFailed',
      operationContext: failing.operationContext,
      resultInformation: { code: 487 },
    });
  });

  it('connectCall to a running call: CallConnected; to an unknown server call: ConnectFailed', async () => {
    const { calls, emulator } = harness;
    const existing = await connectedCall(harness);
    const serverCallId = emulator.call(existing.id).serverCallId;
    const joined = await calls.connectCall({ kind: 'serverCallLocator', id: serverCallId });
    const outcome = await joined.waitForEventProcessor({ timeoutMs: 10_000 });
    const joinedId = joined.callConnectionProperties.callConnectionId ?? '';
    expect(joinedId).not.toBe(existing.id);
    expect(outcome.successResult).toMatchObject({
      kind: 'CallConnected',
      callConnectionId: joinedId,
      serverCallId,
    });
    await emulator.call(joinedId).hangUp();
    await emulator.call(existing.id).hangUp();

    const failing = await calls.connectCall({ kind: 'serverCallLocator', id: 'no-such-call' });
    const failed = await failing.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(failed.isSuccess).toBe(false);
    expect(failed.failureResult).toMatchObject({
      kind: 'ConnectFailed',
      resultInformation: { code: 404, subCode: 8522 },
    });
  });

  it('hangUp (for this leg and for everyone) resolves with the call’s CallDisconnected', async () => {
    for (const isForEveryone of [false, true]) {
      const { id, connection } = await connectedCall(harness);
      const hangUp = await connection.hangUp(isForEveryone);
      const ended = await hangUp.waitForEventProcessor({ timeoutMs: 10_000 });
      expect(ended.isSuccess).toBe(true);
      expect(ended.successResult).toMatchObject({ kind: 'CallDisconnected', callConnectionId: id });
      expect(harness.emulator.call(id).state).toBe('disconnected');
    }
    expect(harness.pendingOperations()).toBe(0);
  });
});
