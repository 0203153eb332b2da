import { CallOperationFailedError } from 'nestjs-call-automation';
import { afterEach, describe, expect, it } from 'vitest';
import { CALLER, useClientHarness } from '../client/support';
import { hangUpAll, remoteHangUp, untilProcessorIsEmpty } from './support';

describe('call recording through a session, against the emulator', () => {
  const harness = useClientHarness();
  afterEach(() => hangUpAll(harness));

  it('start / pause / resume / stop each resolve with RecordingStateChanged in the expected state', async () => {
    const call = await harness.calls.dial(CALLER);
    const started = await call.startRecording();
    expect(started).toMatchObject({ kind: 'RecordingStateChanged', state: 'active' });
    const recordingId = started.recordingId ?? '';
    expect(harness.emulator.recording(recordingId)?.callConnectionId).toBe(call.callConnectionId);
    await expect(call.pauseRecording()).resolves.toMatchObject({ recordingId, state: 'inactive' });
    expect(harness.emulator.recording(recordingId)?.state).toBe('inactive');
    await expect(call.resumeRecording()).resolves.toMatchObject({ recordingId, state: 'active' });
    await expect(call.stopRecording({ recordingId })).resolves.toMatchObject({
      recordingId,
      state: 'inactive',
    });
    expect(harness.emulator.recording(recordingId)).toBeUndefined();
    await remoteHangUp(harness, call);
    await untilProcessorIsEmpty(harness);
  });

  it('pauseOnStart resolves with the inactive state; an event that beats the response is not missed', async () => {
    const call = await harness.calls.dial(CALLER);
    harness.emulator
      .call(call.callConnectionId)
      .nextOperation('startRecording', { eventBeforeResponse: true });
    await expect(call.startRecording({ pauseOnStart: true })).resolves.toMatchObject({
      kind: 'RecordingStateChanged',
      state: 'inactive',
    });
    await call.stopRecording();
    await remoteHangUp(harness, call);
    await untilProcessorIsEmpty(harness);
  });

  it('StartRecordingFailed rejects startRecording with CallOperationFailedError', async () => {
    const call = await harness.calls.dial(CALLER);
    harness.emulator
      .call(call.callConnectionId)
      .nextOperation('startRecording', { fail: 'duplicateRecording' });
    const error = (await call
      .startRecording()
      .then(undefined, (reason: unknown) => reason)) as CallOperationFailedError;
    expect(error).toBeInstanceOf(CallOperationFailedError);
    expect(error.operation).toBe('startRecording');
    expect(error.event.kind).toBe('StartRecordingFailed');
    expect(error.message).toContain(`startRecording failed on call ${call.callConnectionId}`);
    await remoteHangUp(harness, call);
    await untilProcessorIsEmpty(harness);
  });

  it('pause without a recording says what to pass', async () => {
    const call = await harness.calls.dial(CALLER);
    await expect(call.pauseRecording()).rejects.toThrow(
      /no recording was started by this session; pass options.recordingId/,
    );
    await remoteHangUp(harness, call);
    await untilProcessorIsEmpty(harness);
  });
});
