import {
  CallAutomationShutdownError,
  CallAutomationTimeoutError,
  CallDisconnectedError,
  CallOperationFailedError,
} from 'nestjs-call-automation';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AGENT,
  CALLER,
  GREETING,
  SUPERVISOR,
  startHarness,
  until,
  useClientHarness,
} from '../client/support';
import { hangUpAll, remoteHangUp, scriptedParty, untilProcessorIsEmpty } from './support';

const SLOW = { timeoutMs: 60_000 };

describe('call session operations against the emulator', () => {
  const harness = useClientHarness();
  afterEach(() => hangUpAll(harness));

  it('play resolves with PlayCompleted after PlayStarted; hangUp with CallDisconnected; nothing is left behind', async () => {
    const call = await harness.calls.dial(CALLER, { timeoutMs: 10_000 });
    expect(call.signal.aborted).toBe(false);
    const playback = call.play(GREETING);
    const started = await playback.started;
    expect(started).toMatchObject({ kind: 'PlayStarted', callConnectionId: call.callConnectionId });
    const completed = await playback;
    expect(completed).toMatchObject({
      kind: 'PlayCompleted',
      operationContext: started.operationContext,
    });
    const disconnected = await call.hangUp();
    expect(disconnected).toMatchObject({
      kind: 'CallDisconnected',
      callConnectionId: call.callConnectionId,
    });
    await expect(call.ended).resolves.toBe(disconnected);
    await untilProcessorIsEmpty(harness);
    expect(call.signal.aborted).toBe(true);
    expect(call.signal.reason).toBeInstanceOf(CallDisconnectedError);
    // Once the call has ended, operations reject at once with the end's reason.
    await expect(call.play(GREETING)).rejects.toBeInstanceOf(CallDisconnectedError);
    await expect(call.hangUp()).resolves.toBe(disconnected);
  });

  it('a failing play rejects with CallOperationFailedError that says what, where and why', async () => {
    const call = await harness.calls.dial(CALLER);
    harness.emulator
      .call(call.callConnectionId)
      .nextOperation('play', { fail: 'invalidFileFormat' });
    const playback = call.play(GREETING);
    const error = await playback.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(CallOperationFailedError);
    const failed = error as CallOperationFailedError;
    expect(failed.operation).toBe('play');
    expect(failed.event.kind).toBe('PlayFailed');
    expect(failed.resultInformation).toMatchObject({ code: 400, subCode: 8535 });
    expect(failed.message).toMatch(
      new RegExp(
        `^play failed on call ${call.callConnectionId}: PlayFailed \\(code 400, sub-code 8535, .+\\)\\.$`,
      ),
    );
    await expect(playback.started).rejects.toBe(error);
    await remoteHangUp(harness, call);
    await untilProcessorIsEmpty(harness);
  });

  it('stop() of a playing prompt cancels it and resolves once it is canceled (PlayCanceled)', async () => {
    const call = await harness.calls.dial(CALLER);
    const playback = call.play(GREETING, { loop: true, ...SLOW });
    await playback.started;
    await playback.stop();
    const error = (await playback.then(
      undefined,
      (reason: unknown) => reason,
    )) as CallOperationFailedError;
    expect(error).toBeInstanceOf(CallOperationFailedError);
    expect(error.event.kind).toBe('PlayCanceled');
    expect(harness.emulator.call(call.callConnectionId).media.operations).toBe(0);
    await remoteHangUp(harness, call);
  });

  it('cancelMediaOperations resolves once the play and the prompt under way are canceled', async () => {
    const party = scriptedParty(harness);
    const call = await harness.calls.dial(party);
    harness.emulator
      .call(call.callConnectionId)
      .nextOperation('startRecognizing', { durationMs: Number.POSITIVE_INFINITY });
    const playback = call.play(GREETING, { loop: true, ...SLOW });
    const prompt = call.prompt({ play: GREETING, dtmf: { maxTones: 1 }, ...SLOW });
    await playback.started;
    const outcomes = Promise.allSettled([playback, prompt]);
    await call.cancelMediaOperations();
    const [played, prompted] = await outcomes;
    expect(played).toMatchObject({
      status: 'rejected',
      reason: { event: { kind: 'PlayCanceled' } },
    });
    expect(prompted).toMatchObject({
      status: 'rejected',
      reason: { event: { kind: 'RecognizeCanceled' } },
    });
    await remoteHangUp(harness, call);
    await untilProcessorIsEmpty(harness);
  });

  it('a hang-up during a play rejects the play at once with CallDisconnectedError', async () => {
    const call = await harness.calls.dial(CALLER);
    const playback = call.play(GREETING, { loop: true, ...SLOW });
    await playback.started;
    await remoteHangUp(harness, call);
    const error = await playback.then(undefined, (reason: unknown) => reason);
    expect(error).toBeInstanceOf(CallDisconnectedError);
    expect((error as CallDisconnectedError).callConnectionId).toBe(call.callConnectionId);
    await untilProcessorIsEmpty(harness);
  });

  it('a hang-up during a prompt rejects it at once with CallDisconnectedError', async () => {
    const party = scriptedParty(harness);
    const call = await harness.calls.dial(party);
    harness.emulator
      .call(call.callConnectionId)
      .nextOperation('startRecognizing', { durationMs: Number.POSITIVE_INFINITY });
    const prompt = call.prompt({ play: GREETING, dtmf: { maxTones: 1 }, ...SLOW });
    await until(
      () => harness.emulator.call(call.callConnectionId).media.operations === 1,
      'the recognize runs',
    );
    await remoteHangUp(harness, call);
    await expect(prompt).rejects.toBeInstanceOf(CallDisconnectedError);
    await untilProcessorIsEmpty(harness);
  });

  it('transfer resolves with CallTransferAccepted; a busy target rejects with CallTransferFailed', async () => {
    const first = await harness.calls.dial(CALLER);
    await expect(first.transfer(AGENT)).resolves.toMatchObject({ kind: 'CallTransferAccepted' });
    await remoteHangUp(harness, first);

    const second = await harness.calls.dial(CALLER);
    harness.emulator
      .call(second.callConnectionId)
      .nextOperation('transferCallToParticipant', { fail: 'busy' });
    const error = (await second
      .transfer(AGENT)
      .then(undefined, (reason: unknown) => reason)) as CallOperationFailedError;
    expect(error).toBeInstanceOf(CallOperationFailedError);
    expect(error.operation).toBe('transfer');
    expect(error.event.kind).toBe('CallTransferFailed');
    await remoteHangUp(harness, second);
    await untilProcessorIsEmpty(harness);
  });

  it('addParticipant / removeParticipant resolve with their success events and reject with their failures', async () => {
    const call = await harness.calls.dial(CALLER);
    await expect(call.addParticipant({ targetParticipant: SUPERVISOR })).resolves.toMatchObject({
      kind: 'AddParticipantSucceeded',
    });
    await expect(call.removeParticipant(SUPERVISOR)).resolves.toMatchObject({
      kind: 'RemoveParticipantSucceeded',
    });
    const emulated = harness.emulator.call(call.callConnectionId);
    emulated.nextOperation('addParticipant', { fail: 'declined' });
    await expect(call.addParticipant({ targetParticipant: SUPERVISOR })).rejects.toMatchObject({
      name: 'CallOperationFailedError',
      operation: 'addParticipant',
      event: { kind: 'AddParticipantFailed' },
    });
    emulated.nextOperation('removeParticipant', { fail: 'notFound' });
    await expect(call.removeParticipant(CALLER)).rejects.toMatchObject({
      name: 'CallOperationFailedError',
      operation: 'removeParticipant',
      event: { kind: 'RemoveParticipantFailed' },
    });
    await remoteHangUp(harness, call);
    await untilProcessorIsEmpty(harness);
  });

  it('an operation with no outcome in time rejects with CallAutomationTimeoutError; its own signal aborts it', async () => {
    const call = await harness.calls.dial(CALLER);
    const slow = call.play(GREETING, { loop: true, timeoutMs: 50 });
    await expect(slow).rejects.toBeInstanceOf(CallAutomationTimeoutError);
    // The looping play still runs in the service (a timeout does not cancel it).
    await call.media.cancelAllOperations();
    const controller = new AbortController();
    const aborted = call.play(GREETING, { loop: true, signal: controller.signal, ...SLOW });
    await aborted.started;
    const reason = new Error('the caller pressed 0');
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect(call.signal.aborted).toBe(false);
    // An operation whose signal is already aborted is not sent.
    const requests = harness.emulator.requests.length;
    await expect(call.transfer(AGENT, { signal: controller.signal })).rejects.toBe(reason);
    expect(harness.emulator.requests.length).toBe(requests);
    await call.cancelMediaOperations();
    await remoteHangUp(harness, call);
    await untilProcessorIsEmpty(harness);
  });

  it('an operation handle nobody awaits does not crash the process when it fails', async () => {
    const call = await harness.calls.dial(CALLER);
    const emulated = harness.emulator.call(call.callConnectionId);
    emulated.nextOperation('play', { fail: true });
    emulated.nextOperation('transferCallToParticipant', { fail: true });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      call.play(GREETING);
      call.transfer(AGENT);
      await harness.emulator.waitForDelivery({ kind: 'PlayFailed' });
      await harness.emulator.waitForDelivery({ kind: 'CallTransferFailed' });
      await remoteHangUp(harness, call);
      await untilProcessorIsEmpty(harness);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});

describe('call sessions on shutdown', () => {
  it('a wait under way ends with CallAutomationShutdownError, and the signal aborts', async () => {
    const harness = await startHarness({ emulator: { eventDelayMs: 5, mediaDurationMs: 20 } });
    let closed = false;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const call = await harness.calls.dial(CALLER);
      // A second call whose session nobody watches: its `ended` rejects unobserved.
      const unwatched = await harness.calls.dial(CALLER);
      const playback = call.play(GREETING, { loop: true, ...SLOW });
      await playback.started;
      const outcome = playback.then(undefined, (reason: unknown) => reason);
      await harness.test.close();
      closed = true;
      expect(await outcome).toBeInstanceOf(CallAutomationShutdownError);
      expect(call.signal.aborted).toBe(true);
      expect(call.signal.reason).toBeInstanceOf(CallAutomationShutdownError);
      await expect(call.ended).rejects.toBeInstanceOf(CallAutomationShutdownError);
      expect(unwatched.signal.reason).toBeInstanceOf(CallAutomationShutdownError);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      if (closed) await harness.emulator.stop();
      else await harness.close();
    }
  });
});
