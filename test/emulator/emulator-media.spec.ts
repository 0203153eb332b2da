import {
  type CallConnection,
  type CallMedia,
  DtmfTone,
  parseCallAutomationEvent,
} from '@azure/communication-call-automation';
import type { CollectedEvent } from 'nestjs-call-automation/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { CALLER, GREETING, type RestError, useEmulatorClient } from './support';

function parsed(collected: CollectedEvent) {
  return parseCallAutomationEvent(structuredClone(collected.event));
}

describe('AcsEmulator: media, DTMF, hold, transcription, streaming and recording', () => {
  const env = useEmulatorClient({ eventDelayMs: 5, mediaDurationMs: 20 });
  let id: string;
  let connection: CallConnection;
  let media: CallMedia;

  beforeEach(async () => {
    const result = await env.client.createCall({ targetParticipant: CALLER }, env.app.url());
    id = result.callConnectionProperties.callConnectionId ?? '';
    connection = result.callConnection;
    media = connection.getCallMedia();
    await env.app.waitForEvent({ kind: 'CallConnected', callConnectionId: id });
  });

  it('playToAll: PlayStarted then PlayCompleted, echoing the operationContext', async () => {
    await media.playToAll([GREETING], { operationContext: 'greeting' });
    const started = await env.app.waitForEvent({
      kind: 'PlayStarted',
      operationContext: 'greeting',
    });
    const completed = await env.app.waitForEvent({
      kind: 'PlayCompleted',
      operationContext: 'greeting',
    });
    expect(parsed(completed)).toMatchObject({
      kind: 'PlayCompleted',
      callConnectionId: id,
      resultInformation: { code: 200, subCode: 0 },
    });
    expect(new Date(started.event.time ?? 0).getTime()).toBeLessThanOrEqual(
      new Date(completed.event.time ?? 0).getTime(),
    );
  });

  it('play to a participant with a scripted failure: PlayFailed 400/8536', async () => {
    env.emulator.script.nextOperation('play', { fail: 'fileNotFound' });
    await media.play([GREETING], [CALLER], { operationContext: 'missing' });
    const failed = await env.app.waitForEvent({ kind: 'PlayFailed', operationContext: 'missing' });
    expect(parsed(failed)).toMatchObject({
      resultInformation: { code: 400, subCode: 8536 },
      failedPlaySourceIndex: 0,
    });
    expect(env.app.events.some(({ event }) => event.type.endsWith('PlayStarted'))).toBe(false);
  });

  it('play with an invalid file format (scripted as resultInformation) and a bad body', async () => {
    env.emulator.script.nextOperation('play', {
      fail: { code: 400, subCode: 8535, message: 'Action failed, file format is invalid.' },
    });
    await media.playToAll([GREETING], { operationContext: 'mp3' });
    const failed = await env.app.waitForEvent({ kind: 'PlayFailed', operationContext: 'mp3' });
    expect(failed.event.data).toMatchObject({ resultInformation: { subCode: 8535 } });

    const error = (await media.playToAll([]).catch((caught: unknown) => caught)) as RestError;
    expect(error.statusCode).toBe(400);
    expect(error.message).toContain('playSources');
  });

  it('cancelAllMediaOperations cancels a looping play (PlayCanceled) and a queued recognize', async () => {
    await media.playToAll([GREETING], { operationContext: 'music', loop: true });
    await env.app.waitForEvent({ kind: 'PlayStarted', operationContext: 'music' });
    await media.startRecognizing(CALLER, {
      kind: 'callMediaRecognizeDtmfOptions',
      maxTonesToCollect: 1,
      operationContext: 'queued',
    });
    expect(env.emulator.call(id).media.operations).toBe(2);
    await media.cancelAllOperations();
    await env.app.waitForEvent({ kind: 'PlayCanceled', operationContext: 'music' });
    const canceled = await env.app.waitForEvent({
      kind: 'RecognizeCanceled',
      operationContext: 'queued',
    });
    expect(parsed(canceled)).toMatchObject({ resultInformation: { code: 400, subCode: 8508 } });
    expect(env.app.events.some(({ event }) => event.type.endsWith('PlayCompleted'))).toBe(false);
    expect(env.emulator.call(id).media.operations).toBe(0);
  });

  it('recognize DTMF: the scripted caller presses keys; max tones and stop tones', async () => {
    env.emulator.script.party(CALLER.phoneNumber, {
      inputs: [{ dtmf: '1' }, { dtmf: '42#9' }, { dtmf: '7' }],
    });
    await media.startRecognizing(CALLER, {
      kind: 'callMediaRecognizeDtmfOptions',
      maxTonesToCollect: 1,
      playPrompt: GREETING,
      operationContext: 'menu',
    });
    const first = await env.app.waitForEvent({
      kind: 'RecognizeCompleted',
      operationContext: 'menu',
    });
    expect(parsed(first)).toMatchObject({
      recognitionType: 'dtmf',
      dtmfResult: { tones: ['one'] },
      resultInformation: { code: 200, subCode: 8531 },
    });

    await media.startRecognizing(CALLER, {
      kind: 'callMediaRecognizeDtmfOptions',
      maxTonesToCollect: 6,
      stopDtmfTones: [DtmfTone.Pound],
      operationContext: 'account',
    });
    const second = await env.app.waitForEvent({
      kind: 'RecognizeCompleted',
      operationContext: 'account',
    });
    expect(parsed(second)).toMatchObject({
      dtmfResult: { tones: ['four', 'two'] },
      resultInformation: { subCode: 8514 },
    });

    await media.startRecognizing(CALLER, {
      kind: 'callMediaRecognizeDtmfOptions',
      maxTonesToCollect: 3,
      operationContext: 'partial',
    });
    const third = await env.app.waitForEvent({
      kind: 'RecognizeCompleted',
      operationContext: 'partial',
    });
    expect(parsed(third)).toMatchObject({
      dtmfResult: { tones: ['seven'] },
      resultInformation: { subCode: 8532 },
    });

    // The inputs are used up: the caller stays silent.
    await media.startRecognizing(CALLER, {
      kind: 'callMediaRecognizeDtmfOptions',
      operationContext: 'silent',
    });
    const silent = await env.app.waitForEvent({
      kind: 'RecognizeFailed',
      operationContext: 'silent',
    });
    expect(parsed(silent)).toMatchObject({ resultInformation: { code: 400, subCode: 8510 } });
  });

  it('recognize choices (by tone and by phrase) and speech', async () => {
    env.emulator.script.party(CALLER.phoneNumber, {
      inputs: [{ dtmf: '2' }, { speech: 'Sales please' }, { speech: 'I want to talk to someone' }],
    });
    const choices = [
      { label: 'support', phrases: ['support', 'help'], tone: DtmfTone.One },
      { label: 'sales', phrases: ['sales please', 'buy'], tone: DtmfTone.Two },
    ];
    await media.startRecognizing(CALLER, {
      kind: 'callMediaRecognizeChoiceOptions',
      choices,
      operationContext: 'c1',
    });
    const byTone = await env.app.waitForEvent({
      kind: 'RecognizeCompleted',
      operationContext: 'c1',
    });
    expect(parsed(byTone)).toMatchObject({
      recognitionType: 'choices',
      choiceResult: { label: 'sales' },
      resultInformation: { subCode: 8533 },
    });
    await media.startRecognizing(CALLER, {
      kind: 'callMediaRecognizeChoiceOptions',
      choices,
      operationContext: 'c2',
    });
    const byPhrase = await env.app.waitForEvent({
      kind: 'RecognizeCompleted',
      operationContext: 'c2',
    });
    expect(parsed(byPhrase)).toMatchObject({
      choiceResult: { label: 'sales', recognizedPhrase: 'Sales please' },
      resultInformation: { subCode: 8545 },
    });
    // Only the result of the recognitionType: no DTMF default leaks into a choice or speech.
    expect(byTone.event.data).not.toHaveProperty('dtmfResult');
    expect(byPhrase.event.data).not.toHaveProperty('dtmfResult');
    await media.startRecognizing(CALLER, {
      kind: 'callMediaRecognizeSpeechOptions',
      operationContext: 's1',
    });
    const speech = await env.app.waitForEvent({
      kind: 'RecognizeCompleted',
      operationContext: 's1',
    });
    expect(parsed(speech)).toMatchObject({
      recognitionType: 'speech',
      speechResult: { speech: 'I want to talk to someone' },
    });
    expect(speech.event.data).not.toHaveProperty('dtmfResult');
  });

  it('recognize with a scripted failure and one canceled while waiting for input', async () => {
    env.emulator.call(id).nextOperation('startRecognizing', { fail: 'playPromptFailed' });
    await media.startRecognizing(CALLER, {
      kind: 'callMediaRecognizeDtmfOptions',
      operationContext: 'r1',
    });
    const failed = await env.app.waitForEvent({ kind: 'RecognizeFailed', operationContext: 'r1' });
    expect(failed.event.data).toMatchObject({ resultInformation: { code: 500, subCode: 8511 } });

    env.emulator.script.nextOperation('startRecognizing', { durationMs: Number.POSITIVE_INFINITY });
    await media.startRecognizing(CALLER, {
      kind: 'callMediaRecognizeDtmfOptions',
      operationContext: 'r2',
    });
    await media.cancelAllOperations();
    await env.app.waitForEvent({ kind: 'RecognizeCanceled', operationContext: 'r2' });
  });

  it('continuous DTMF: tones pressed arrive in sequence; stop sends ContinuousDtmfRecognitionStopped', async () => {
    await media.startContinuousDtmfRecognition(CALLER, { operationContext: 'dtmf' });
    await env.emulator.call(id).pressTones('12#');
    const tones = await env.app.waitForEvents(3, { kind: 'ContinuousDtmfRecognitionToneReceived' });
    expect(tones.map((tone) => parsed(tone))).toMatchObject([
      { tone: 'one', sequenceId: 1, operationContext: 'dtmf' },
      { tone: 'two', sequenceId: 2 },
      { tone: 'pound', sequenceId: 3 },
    ]);
    await media.stopContinuousDtmfRecognition(CALLER, { operationContext: 'stop' });
    await env.app.waitForEvent({
      kind: 'ContinuousDtmfRecognitionStopped',
      operationContext: 'stop',
    });
    await expect(env.emulator.call(id).pressTones('1')).rejects.toThrow(
      /not running|Name the participant/,
    );

    env.emulator.script.nextOperation('startContinuousDtmfRecognition', { fail: true });
    await media.startContinuousDtmfRecognition(CALLER, { operationContext: 'broken' });
    await env.app.waitForEvent({
      kind: 'ContinuousDtmfRecognitionToneFailed',
      operationContext: 'broken',
    });
  });

  it('sendDtmfTones: 202 with operationContext, SendDtmfTonesCompleted; absent target: SendDtmfTonesFailed', async () => {
    const sent = await media.sendDtmfTones([DtmfTone.One, DtmfTone.Pound], CALLER, {
      operationContext: 'send',
    });
    expect(sent.operationContext).toBe('send');
    await env.app.waitForEvent({ kind: 'SendDtmfTonesCompleted', operationContext: 'send' });
    await media.sendDtmfTones(
      [DtmfTone.Two],
      { phoneNumber: '+15559999999' },
      { operationContext: 'nobody' },
    );
    const failed = await env.app.waitForEvent({
      kind: 'SendDtmfTonesFailed',
      operationContext: 'nobody',
    });
    expect(failed.event.data).toMatchObject({ resultInformation: { code: 400, subCode: 8558 } });
  });

  it('hold and unhold: 200, no success event, isOnHold in the roster; a failure is HoldFailed', async () => {
    await media.hold(CALLER, { operationContext: 'hold', playSource: GREETING });
    expect((await connection.getParticipant(CALLER)).isOnHold).toBe(true);
    await media.unhold(CALLER, { operationContext: 'unhold' });
    expect((await connection.getParticipant(CALLER)).isOnHold).toBe(false);
    env.emulator.script.nextOperation('hold', { fail: true });
    await media.hold(CALLER, { operationContext: 'hold-fails' });
    const failed = await env.app.waitForEvent({
      kind: 'HoldFailed',
      operationContext: 'hold-fails',
    });
    expect(failed.event.data).toMatchObject({ resultInformation: { code: 400, subCode: 8558 } });
    expect((await connection.getParticipant(CALLER)).isOnHold).toBe(false);
  });

  it('transcription: started, updated, stopped; a failure is TranscriptionFailed', async () => {
    await media.startTranscription({ locale: 'en-US', operationContext: 't-start' });
    const started = await env.app.waitForEvent({
      kind: 'TranscriptionStarted',
      operationContext: 't-start',
    });
    expect(parsed(started)).toMatchObject({
      transcriptionUpdate: { transcriptionStatus: 'transcriptionStarted' },
    });
    expect(env.emulator.call(id).media).toMatchObject({ transcribing: true, locale: 'en-US' });
    await media.updateTranscription('fr-FR', { operationContext: 't-update' });
    await env.app.waitForEvent({ kind: 'TranscriptionUpdated', operationContext: 't-update' });
    expect(env.emulator.call(id).media.locale).toBe('fr-FR');
    await media.stopTranscription({ operationContext: 't-stop' });
    await env.app.waitForEvent({ kind: 'TranscriptionStopped', operationContext: 't-stop' });
    env.emulator.script.nextOperation('startTranscription', { fail: 'failed' });
    await media.startTranscription({ operationContext: 't-fail' });
    const failed = await env.app.waitForEvent({
      kind: 'TranscriptionFailed',
      operationContext: 't-fail',
    });
    expect(parsed(failed)).toMatchObject({
      transcriptionUpdate: { transcriptionStatus: 'transcriptionFailed' },
    });
  });

  it('media streaming: started and stopped; a failure is MediaStreamingFailed', async () => {
    await media.startMediaStreaming({ operationContext: 'm-start' });
    await env.app.waitForEvent({ kind: 'MediaStreamingStarted', operationContext: 'm-start' });
    expect(env.emulator.call(id).media.streaming).toBe(true);
    await media.stopMediaStreaming({ operationContext: 'm-stop' });
    const stopped = await env.app.waitForEvent({
      kind: 'MediaStreamingStopped',
      operationContext: 'm-stop',
    });
    expect(parsed(stopped)).toMatchObject({
      mediaStreamingUpdate: { mediaStreamingStatus: 'mediaStreamingStopped' },
    });
    env.emulator.script.nextOperation('startMediaStreaming', { fail: true });
    await media.startMediaStreaming({ operationContext: 'm-fail' });
    await env.app.waitForEvent({ kind: 'MediaStreamingFailed', operationContext: 'm-fail' });
  });

  it('recording: start, state, pause, resume, stop, each reported by RecordingStateChanged', async () => {
    const recorder = env.client.getCallRecording();
    const serverCallId = env.emulator.call(id).serverCallId;
    const started = await recorder.start({
      callLocator: { id: serverCallId, kind: 'serverCallLocator' },
      recordingStateCallbackEndpointUrl: env.app.url('/recording'),
    });
    // Real ACS answers `inactive`, then reports `active` by RecordingStateChanged and GET.
    expect(started).toMatchObject({
      recordingState: 'inactive',
      recordingKind: 'azureCommunicationServices',
    });
    const recordingId = started.recordingId;
    await env.app.waitForEvent({ kind: 'RecordingStateChanged' });
    expect(await recorder.getState(recordingId)).toMatchObject({
      recordingId,
      recordingState: 'active',
    });
    await recorder.pause(recordingId);
    expect((await recorder.getState(recordingId)).recordingState).toBe('inactive');
    await recorder.resume(recordingId);
    await recorder.stop(recordingId);
    const changes = await env.app.waitForEvents(4, { kind: 'RecordingStateChanged' });
    expect(changes.map((change) => change.request.url)).toEqual(Array(4).fill('/recording'));
    expect(changes.map((change) => parsed(change))).toMatchObject([
      { recordingId, state: 'active' },
      { state: 'inactive' },
      { state: 'active' },
      { state: 'inactive' },
    ]);
    const gone = (await recorder
      .getState(recordingId)
      .catch((error: unknown) => error)) as RestError;
    expect(gone.statusCode).toBe(404);

    env.emulator.script.nextOperation('startRecording', { fail: true });
    const failing = await recorder.start({ callConnectionId: id });
    const failed = await env.app.waitForEvent({ kind: 'StartRecordingFailed' });
    expect(failed.event.data).toMatchObject({
      recordingId: failing.recordingId,
      callConnectionId: id,
    });
  });
});
