import {
  CallAutomationTimeoutError,
  CallOperationFailedError,
  type IncomingCall,
} from 'nestjs-call-automation';
import { afterEach, describe, expect, it } from 'vitest';
import { CALLER, GREETING, useClientHarness } from '../client/support';
import { hangUpAll, remoteHangUp, scriptedParty, untilProcessorIsEmpty } from './support';

describe('answer, dial and session against the emulator', () => {
  const harness = useClientHarness();
  afterEach(() => hangUpAll(harness));

  async function incomingCall(caller?: { dtmf: string }): Promise<IncomingCall> {
    const waiting = harness.processor.waitForEvent({ kind: 'IncomingCall' }, { timeoutMs: 5_000 });
    await harness.emulator.placeIncomingCall({
      url: harness.incomingCallUrl,
      ...(caller ? { caller } : {}),
    });
    return waiting;
  }

  it('answer gives a connected session whose prompt listens to the caller', async () => {
    const incoming = await incomingCall({ dtmf: '7' });
    const call = await harness.calls.answer(incoming, { timeoutMs: 10_000 });
    expect(harness.emulator.call(call.callConnectionId).state).toBe('connected');
    expect(call.connection.callConnectionId).toBe(call.callConnectionId);
    expect(call.media.callConnectionId).toBe(call.callConnectionId);
    await expect(call.prompt({ play: GREETING, dtmf: { maxTones: 1 } })).resolves.toEqual({
      status: 'matched',
      kind: 'dtmf',
      tones: ['seven'],
      attempts: 1,
    });
    await call.hangUp();
    await untilProcessorIsEmpty(harness);
  });

  it('answer rejects with CallOperationFailedError on AnswerFailed', async () => {
    harness.emulator.script.nextOperation('answerCall', { fail: 'callerHungUp' });
    const incoming = await incomingCall();
    const error = (await harness.calls
      .answer(incoming, { timeoutMs: 10_000 })
      .then(undefined, (reason: unknown) => reason)) as CallOperationFailedError;
    expect(error).toBeInstanceOf(CallOperationFailedError);
    expect(error.operation).toBe('answer');
    expect(error.event.kind).toBe('AnswerFailed');
    expect(error.resultInformation?.code).toBe(487);
    await untilProcessorIsEmpty(harness);
  });

  it('dial gives a connected session; session(id) gives the same one while the call lasts', async () => {
    const call = await harness.calls.dial({ targetParticipant: CALLER }, { timeoutMs: 10_000 });
    const again = harness.calls.session(call.callConnectionId);
    expect(again).toBe(call);
    await expect(again.play(GREETING)).resolves.toMatchObject({ kind: 'PlayCompleted' });
    await remoteHangUp(harness, call);
    await expect(again.ended).resolves.toMatchObject({ kind: 'CallDisconnected' });
    expect(call.signal.aborted).toBe(true);
    await untilProcessorIsEmpty(harness);
    // The call is over: a new session of it knows at once.
    const late = harness.calls.session(call.callConnectionId);
    expect(late).not.toBe(call);
    await expect(late.ended).resolves.toMatchObject({ kind: 'CallDisconnected' });
    await expect(late.play(GREETING)).rejects.toMatchObject({ name: 'CallDisconnectedError' });
    expect(() => harness.calls.session('')).toThrow(/callConnectionId must be a non-empty string/);
  });

  it('dial rejects with CallOperationFailedError on CreateCallFailed (busy)', async () => {
    const busy = scriptedParty(harness, { answer: 'busy' });
    await expect(harness.calls.dial(busy, { timeoutMs: 10_000 })).rejects.toMatchObject({
      name: 'CallOperationFailedError',
      operation: 'dial',
      event: { kind: 'CreateCallFailed' },
    });
    await untilProcessorIsEmpty(harness);
  });

  it('dial rejects with CallAutomationTimeoutError when the callee never answers in time', async () => {
    const sleepy = scriptedParty(harness, { answerAfterMs: 60_000 });
    await expect(harness.calls.dial(sleepy, { timeoutMs: 100 })).rejects.toBeInstanceOf(
      CallAutomationTimeoutError,
    );
    // The call given up on is hung up: it cannot connect later with nobody to run it.
    const ringing = harness.emulator.calls.at(-1);
    expect(ringing?.direction).toBe('outbound');
    expect(ringing?.state).toBe('disconnected');
    await untilProcessorIsEmpty(harness);
  });
});
