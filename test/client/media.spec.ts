import { DtmfTone, type RecognitionChoice } from '@azure/communication-call-automation';
import { describe, expect, it, vi } from 'vitest';
import {
  CALLER,
  type ClientHarness,
  connectedCall,
  endCall,
  GREETING,
  type PhoneNumber,
  type RestErrorShape,
  useClientHarness,
} from './support';

const CHOICES: RecognitionChoice[] = [
  { label: 'support', phrases: ['support', 'help'], tone: DtmfTone.One },
  { label: 'sales', phrases: ['sales', 'buy'], tone: DtmfTone.Two },
];

describe('media operations against the emulator: success and failure', () => {
  const harness = useClientHarness();
  let callers = 0;

  /** A caller of its own for the test, scripted before the call (its party joins with the call). */
  function scriptedCaller(
    script: Parameters<ClientHarness['emulator']['script']['party']>[1],
  ): PhoneNumber {
    callers += 1;
    const caller = { phoneNumber: `+1555020${String(callers).padStart(4, '0')}` };
    harness.emulator.script.party(caller.phoneNumber, script);
    return caller;
  }

  it('play to a participant: PlayCompleted; an invalid file: PlayFailed', async () => {
    const { id, media } = await connectedCall(harness);
    const play = await media.play([GREETING], [CALLER]);
    const played = await play.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(played.successResult).toMatchObject({
      kind: 'PlayCompleted',
      callConnectionId: id,
      operationContext: play.operationContext,
    });

    harness.emulator.call(id).nextOperation('play', { fail: 'invalidFileFormat' });
    const failing = await media.play([GREETING], [CALLER]);
    const failed = await failing.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(failed.isSuccess).toBe(false);
    expect(failed.failureResult).toMatchObject({
      kind: 'PlayFailed',
      operationContext: failing.operationContext,
      resultInformation: { code: 400, subCode: 8535 },
    });
    await endCall(harness, id);
  });

  it('playToAll with text-to-speech: PlayCompleted; a Cognitive Services error: PlayFailed', async () => {
    const { id, media } = await connectedCall(harness);
    const speech = { kind: 'textSource' as const, text: 'Hello', voiceName: 'en-US-JennyNeural' };
    const play = await media.playToAll([speech]);
    expect((await play.waitForEventProcessor()).successResult?.kind).toBe('PlayCompleted');

    harness.emulator.call(id).nextOperation('play', { fail: 'cognitiveServicesError' });
    const failing = await media.playToAll([speech]);
    const failed = await failing.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(failed.failureResult).toMatchObject({
      kind: 'PlayFailed',
      resultInformation: { subCode: 8565 },
    });
    await endCall(harness, id);
  });

  it('startRecognizing DTMF from a scripted caller: RecognizeCompleted with the tones (both call forms)', async () => {
    const caller = scriptedCaller({ inputs: [{ dtmf: '42#' }, { dtmf: '7' }] });
    const { id, media } = await connectedCall(harness, caller);
    const recognize = await media.startRecognizing(caller, {
      kind: 'callMediaRecognizeDtmfOptions',
      maxTonesToCollect: 4,
      stopDtmfTones: [DtmfTone.Pound],
      playPrompt: GREETING,
    });
    const recognized = await recognize.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(recognized.isSuccess).toBe(true);
    expect(recognized.successResult).toMatchObject({
      kind: 'RecognizeCompleted',
      operationContext: recognize.operationContext,
      recognitionType: 'dtmf',
      dtmfResult: { tones: ['four', 'two'] },
    });

    // The SDK warns about its older signature; keep that out of the test output.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const older = await media
      .startRecognizing(caller, 1, { kind: 'callMediaRecognizeDtmfOptions' })
      .finally(() => warn.mockRestore());
    const olderOutcome = await older.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(olderOutcome.successResult).toMatchObject({
      kind: 'RecognizeCompleted',
      operationContext: older.operationContext,
      dtmfResult: { tones: ['seven'] },
    });
    await endCall(harness, id);
  });

  it('startRecognizing choices: the scripted caller picks one; silence: RecognizeFailed', async () => {
    const caller = scriptedCaller({ inputs: [{ choice: 'sales' }] });
    const { id, media } = await connectedCall(harness, caller);
    const recognize = await media.startRecognizing(caller, {
      kind: 'callMediaRecognizeChoiceOptions',
      choices: CHOICES,
    });
    const recognized = await recognize.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(recognized.successResult).toMatchObject({
      kind: 'RecognizeCompleted',
      recognitionType: 'choices',
      choiceResult: { label: 'sales' },
    });

    // The inputs are used up: the caller stays silent.
    const silent = await media.startRecognizing(caller, {
      kind: 'callMediaRecognizeChoiceOptions',
      choices: CHOICES,
    });
    const failed = await silent.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(failed.isSuccess).toBe(false);
    expect(failed.failureResult).toMatchObject({
      kind: 'RecognizeFailed',
      operationContext: silent.operationContext,
      resultInformation: { code: 400, subCode: 8510 },
    });
    await endCall(harness, id);
  });

  it('sendDtmfTones: SendDtmfTonesCompleted; to someone not in the call: SendDtmfTonesFailed', async () => {
    const { id, media } = await connectedCall(harness);
    const sent = await media.sendDtmfTones([DtmfTone.One, DtmfTone.Pound], CALLER);
    const outcome = await sent.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(outcome.successResult).toMatchObject({
      kind: 'SendDtmfTonesCompleted',
      operationContext: sent.operationContext,
    });

    const absent = await media.sendDtmfTones([DtmfTone.Two], { phoneNumber: '+15559999999' });
    const failed = await absent.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(failed.isSuccess).toBe(false);
    expect(failed.failureResult).toMatchObject({
      kind: 'SendDtmfTonesFailed',
      resultInformation: { code: 400, subCode: 8558 },
    });
    await endCall(harness, id);
  });

  it('continuous DTMF: start resolves with the first tone pressed, stop with ContinuousDtmfRecognitionStopped; a failure: ContinuousDtmfRecognitionToneFailed', async () => {
    const { id, media } = await connectedCall(harness);
    const start = await media.startContinuousDtmfRecognition(CALLER);
    await harness.emulator.call(id).pressTones('5*');
    const first = await start.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(first.successResult).toMatchObject({
      kind: 'ContinuousDtmfRecognitionToneReceived',
      operationContext: start.operationContext,
      tone: 'five',
      sequenceId: 1,
    });

    const stop = await media.stopContinuousDtmfRecognition(CALLER);
    const stopped = await stop.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(stopped.successResult).toMatchObject({
      kind: 'ContinuousDtmfRecognitionStopped',
      operationContext: stop.operationContext,
    });

    harness.emulator.call(id).nextOperation('startContinuousDtmfRecognition', { fail: true });
    const failing = await media.startContinuousDtmfRecognition(CALLER);
    const failed = await failing.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(failed.isSuccess).toBe(false);
    expect(failed.failureResult).toMatchObject({
      kind: 'ContinuousDtmfRecognitionToneFailed',
      operationContext: failing.operationContext,
    });
    await endCall(harness, id);
  });

  it('hold and unhold resolve { isSuccess: true } once accepted; a HoldFailed before the answer is the result', async () => {
    const { id, media } = await connectedCall(harness);
    const hold = await media.hold(CALLER, { playSource: GREETING });
    expect(await hold.waitForEventProcessor()).toEqual({ isSuccess: true });
    expect(harness.emulator.call(id).participants[0]?.isOnHold).toBe(true);
    const unhold = await media.unhold(CALLER);
    expect(await unhold.waitForEventProcessor()).toEqual({ isSuccess: true });
    expect(harness.emulator.call(id).participants[0]?.isOnHold).toBe(false);

    harness.emulator
      .call(id)
      .nextOperation('hold', { fail: 'preconditionFailed', eventBeforeResponse: true });
    const failing = await media.hold(CALLER);
    const failed = await failing.waitForEventProcessor();
    expect(failed.isSuccess).toBe(false);
    expect(failed.failureResult).toMatchObject({
      kind: 'HoldFailed',
      operationContext: failing.operationContext,
      resultInformation: { code: 412, subCode: 8583 },
    });

    harness.emulator
      .call(id)
      .nextOperation('unhold', { fail: 'participantNotPresent', eventBeforeResponse: true });
    const failingUnhold = await media.unhold(CALLER);
    expect((await failingUnhold.waitForEventProcessor()).failureResult).toMatchObject({
      kind: 'HoldFailed',
      operationContext: failingUnhold.operationContext,
    });

    // A hold the service refuses outright rejects with the RestError.
    harness.emulator.call(id).nextOperation('hold', { restError: 412 });
    const refused = (await media.hold(CALLER).catch((caught: unknown) => caught)) as RestErrorShape;
    expect(refused).toMatchObject({ name: 'RestError', statusCode: 412 });
    await endCall(harness, id);
  });

  it('a HoldFailed after the accepted answer is not the result (already a success) but reaches waitForEvent', async () => {
    const { id, media } = await connectedCall(harness);
    harness.emulator.call(id).nextOperation('hold', { fail: true });
    const hold = await media.hold(CALLER);
    expect(await hold.waitForEventProcessor()).toEqual({ isSuccess: true });
    const late = await harness.processor.waitForEvent(
      { kind: 'HoldFailed', operationContext: hold.operationContext },
      { timeoutMs: 5_000 },
    );
    expect(late).toMatchObject({ kind: 'HoldFailed', callConnectionId: id });
    await endCall(harness, id);
  });

  it('transcription: TranscriptionStarted, TranscriptionUpdated, TranscriptionStopped; a failure: TranscriptionFailed', async () => {
    const { id, media } = await connectedCall(harness);
    const start = await media.startTranscription({ locale: 'en-US' });
    expect((await start.waitForEventProcessor()).successResult).toMatchObject({
      kind: 'TranscriptionStarted',
      operationContext: start.operationContext,
    });
    expect(harness.emulator.call(id).media.transcribing).toBe(true);
    const update = await media.updateTranscription('fr-FR');
    expect((await update.waitForEventProcessor()).successResult).toMatchObject({
      kind: 'TranscriptionUpdated',
      operationContext: update.operationContext,
    });
    expect(harness.emulator.call(id).media.locale).toBe('fr-FR');
    const stop = await media.stopTranscription();
    expect((await stop.waitForEventProcessor()).successResult).toMatchObject({
      kind: 'TranscriptionStopped',
      operationContext: stop.operationContext,
    });

    harness.emulator.call(id).nextOperation('startTranscription', { fail: 'failed' });
    const failing = await media.startTranscription();
    const failed = await failing.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(failed.isSuccess).toBe(false);
    expect(failed.failureResult).toMatchObject({
      kind: 'TranscriptionFailed',
      operationContext: failing.operationContext,
    });
    harness.emulator.call(id).nextOperation('stopTranscription', { fail: 'failed' });
    const failingStop = await media.stopTranscription();
    expect((await failingStop.waitForEventProcessor()).failureResult?.kind).toBe(
      'TranscriptionFailed',
    );
    await endCall(harness, id);
  });

  it('media streaming: MediaStreamingStarted, MediaStreamingStopped; a failure: MediaStreamingFailed', async () => {
    const { id, media } = await connectedCall(harness);
    const start = await media.startMediaStreaming();
    expect((await start.waitForEventProcessor()).successResult).toMatchObject({
      kind: 'MediaStreamingStarted',
      operationContext: start.operationContext,
    });
    expect(harness.emulator.call(id).media.streaming).toBe(true);
    const stop = await media.stopMediaStreaming();
    expect((await stop.waitForEventProcessor()).successResult).toMatchObject({
      kind: 'MediaStreamingStopped',
      operationContext: stop.operationContext,
    });

    harness.emulator.call(id).nextOperation('startMediaStreaming', { fail: true });
    const failing = await media.startMediaStreaming();
    const failed = await failing.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(failed.isSuccess).toBe(false);
    expect(failed.failureResult).toMatchObject({
      kind: 'MediaStreamingFailed',
      operationContext: failing.operationContext,
    });
    harness.emulator.call(id).nextOperation('stopMediaStreaming', { fail: true });
    const failingStop = await media.stopMediaStreaming();
    expect((await failingStop.waitForEventProcessor()).failureResult?.kind).toBe(
      'MediaStreamingFailed',
    );
    await endCall(harness, id);
  });

  it('cancelAllOperations: a looping play ends PlayCanceled, a queued recognize RecognizeCanceled, both as failures', async () => {
    const { id, media } = await connectedCall(harness);
    const play = await media.playToAll([GREETING], { loop: true });
    await harness.emulator.waitForDelivery({
      kind: 'PlayStarted',
      operationContext: play.operationContext,
    });
    const recognize = await media.startRecognizing(CALLER, {
      kind: 'callMediaRecognizeDtmfOptions',
      maxTonesToCollect: 1,
    });
    expect(harness.emulator.call(id).media.operations).toBe(2);
    await media.cancelAllOperations();
    const [played, recognized] = await Promise.all([
      play.waitForEventProcessor({ timeoutMs: 10_000 }),
      recognize.waitForEventProcessor({ timeoutMs: 10_000 }),
    ]);
    expect(played).toEqual({
      isSuccess: false,
      failureResult: expect.objectContaining({
        kind: 'PlayCanceled',
        operationContext: play.operationContext,
      }),
    });
    expect(recognized).toEqual({
      isSuccess: false,
      failureResult: expect.objectContaining({
        kind: 'RecognizeCanceled',
        operationContext: recognize.operationContext,
      }),
    });
    await endCall(harness, id);
  });
});
