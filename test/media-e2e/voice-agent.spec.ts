import 'reflect-metadata';
import {
  CallDisconnectedError,
  type CallEventPredicate,
  MediaStreamClosedError,
  type TranscriptionDataEvent,
} from 'nestjs-call-automation';
import { afterEach, describe, expect, it } from 'vitest';
import { ADAPTERS } from '../support/app';
import {
  answeredCall,
  MEDIA_OPTIONS,
  type MediaE2e,
  mediaSessionOf,
  numberedPcm,
  readFrames,
  startMediaE2e,
  until,
} from './support';

const isFinalTranscriptOf =
  (callConnectionId: string): CallEventPredicate =>
  (event) =>
    event.kind === 'TranscriptionData' &&
    event.callConnectionId === callConnectionId &&
    event.resultState === 'Final';

/**
 * The real SDK client (through CallAutomationService) against the emulator, which opens ACS's
 * media and transcription WebSockets to the library's route on a real Nest app: the whole
 * path of a voice agent, on both HTTP adapters.
 */
describe.each(ADAPTERS)('media streaming end to end on %s', (adapter) => {
  const started: MediaE2e[] = [];
  const start = async (options: Parameters<typeof startMediaE2e>[0] = {}) => {
    const env = await startMediaE2e({ adapter, ...options });
    started.push(env);
    return env;
  };
  afterEach(async () => {
    for (const env of started.splice(0).reverse()) {
      expect(env.test.logger.messages('error')).toEqual([]);
      await env.close();
    }
  });

  it('answers with media + transcription: ACS connects to publicUrl with its signed token; audio reaches audio(), speech reaches waitForEvent and @OnCallEvent', async () => {
    const env = await start();
    const pcm = numberedPcm(4);
    const { call } = await answeredCall(env, { audio: pcm, says: ['I want to pay my bill'] });
    const id = call.callConnectionId;
    const waited = await env.processor.waitForMediaStream(id);

    // The app gave no transportUrl: ACS got the module's publicUrl, for both sockets.
    const emulated = env.emulator.call(id);
    await emulated.waitForMediaStream();
    await emulated.waitForTranscriptionStream();
    expect(emulated.streams.map((stream) => [stream.kind, stream.transportUrl])).toEqual(
      expect.arrayContaining([
        ['audio', env.publicUrl],
        ['transcription', env.publicUrl],
      ]),
    );
    // With `auth` set (the harness sets emulator.auth), the signed handshakes were accepted.
    await env.emulator.mediaStream(id).waitForOpen();
    await env.emulator.transcriptionStream(id).waitForOpen();
    expect(env.test.logger.messages('warn').join('\n')).not.toMatch(/Refused/);

    // waitForMediaStream gives the object @OnMediaStream got.
    await until(() => env.recorder.sessions.length === 2, 'both sessions reached @OnMediaStream');
    expect(env.recorder.sessions).toContain(waited);
    expect(env.processor.snapshot().mediaSessions).toBe(2);
    const media = await mediaSessionOf(env, id);
    expect(media.correlationId).toBe(emulated.correlationId);
    expect(media.audioMetadata).toMatchObject({ encoding: 'PCM', sampleRate: 16000, channels: 1 });
    // The caller's PCM, frame by frame, in order, then silence.
    const frames = await readFrames(media, 5);
    expect(frames.slice(0, 4)).toEqual(
      [0, 1, 2, 3].map((n) => pcm.subarray(n * 640, n * 640 + 640)),
    );
    expect(frames[4]).toEqual(Buffer.alloc(640));

    // Scripted speech: intermediate results, then the final one, as call events.
    const final = await env.processor.waitForEvent<TranscriptionDataEvent>(isFinalTranscriptOf(id));
    expect(final).toMatchObject({
      kind: 'TranscriptionData',
      callConnectionId: id,
      text: 'I want to pay my bill',
      resultState: 'Final',
      participant: { kind: 'phoneNumber' },
    });
    await until(
      () => env.recorder.transcripts.some((event) => event.resultState === 'Final'),
      '@OnCallEvent got the final transcript',
    );
    expect(
      env.recorder.transcripts
        .filter((event) => event.callConnectionId === id)
        .map((event) => [event.resultState, event.text]),
    ).toEqual([
      ['Intermediate', 'i'],
      ['Intermediate', 'i want'],
      ['Intermediate', 'i want to'],
      ['Intermediate', 'i want to pay'],
      ['Intermediate', 'i want to pay my'],
      ['Final', 'I want to pay my bill'],
    ]);
    await call.hangUp();
  });

  it('waitForMediaStream after the connection; what the app sends (sendAudio bytes, stopAudio) is what ACS receives, in order', async () => {
    const env = await start();
    const { call } = await answeredCall(env, { audio: 'silence' }, { media: MEDIA_OPTIONS });
    const id = call.callConnectionId;
    // waitForMediaStream after the socket connected resolves with the session at once.
    await until(() => env.recorder.sessions.length === 1, 'the socket connected');
    const session = await env.processor.waitForMediaStream(id);
    expect(session).toBe(env.recorder.sessions[0]);
    const first = Buffer.alloc(640, 0x21);
    const second = Buffer.alloc(960, 0x42);
    const third = Buffer.alloc(320, 0x63);
    await session.sendAudio(first);
    await session.sendAudio(second);
    session.stopAudio();
    await session.sendAudio(third);

    const stream = env.emulator.mediaStream(id);
    const received = await stream.waitForReceived(4);
    expect(received.map((message) => message.kind)).toEqual([
      'AudioData',
      'AudioData',
      'StopAudio',
      'AudioData',
    ]);
    expect(stream.outboundAudio).toEqual(Buffer.concat([first, second, third]));
    expect(stream.outboundAudioMessages).toBe(3);
    expect(stream.stopAudioCount).toBe(1);
    await call.hangUp();
  });

  it('refuses a handshake whose token is not for this app (401): no session, and ACS reports MediaStreamingFailed', async () => {
    const env = await start();
    // A second app on the same emulator that expects another resource's tokens: the call's
    // callbacks go to the first app, its media socket to this one.
    const other = await start({
      emulator: env.emulator,
      module: { auth: { ...env.emulator.auth, audience: 'another-acs-resource' } },
    });
    const { call } = await answeredCall(
      env,
      {},
      { media: { ...MEDIA_OPTIONS, transportUrl: other.publicUrl } },
    );
    const failed = await env.processor.waitForEvent({
      kind: 'MediaStreamingFailed',
      callConnectionId: call.callConnectionId,
    });
    expect(failed.resultInformation).toMatchObject({ code: 500, subCode: 8603 });
    const stream = env.emulator.mediaStream(call.callConnectionId);
    expect(stream.handshakeRefusedWith).toBe(401);
    expect(other.recorder.sessions).toHaveLength(0);
    expect(other.processor.snapshot().mediaSessions).toBe(0);
    expect(other.test.logger.messages('warn').join('\n')).toMatch(
      /Refused a media stream handshake to \/api\/media/,
    );
    await call.hangUp();
  });

  it('the caller hanging up closes the sessions: signal aborted, audio() ends, no session left', async () => {
    const env = await start();
    const { call } = await answeredCall(env, {});
    const id = call.callConnectionId;
    const media = await mediaSessionOf(env, id);
    await until(() => env.processor.snapshot().mediaSessions === 2, 'both sockets are open');
    let framesRead = 0;
    const reading = (async () => {
      for await (const _frame of media.audio()) framesRead++;
    })();
    await until(() => framesRead > 0, 'the caller’s audio flows');
    await env.emulator.call(id).hangUp();
    await media.closed;
    await reading; // the iteration ended with the stream
    expect(media.signal.aborted).toBe(true);
    // ACS closes the socket (1000) and posts CallDisconnected: whichever the app sees first
    // aborts the session.
    const reason = media.signal.reason as Error;
    expect(
      reason instanceof CallDisconnectedError ||
        (reason instanceof MediaStreamClosedError && reason.code === 1000),
      `${reason.name}: ${reason.message}`,
    ).toBe(true);
    await until(() => env.processor.snapshot().mediaSessions === 0, 'every session closed');
    await env.emulator.mediaStream(id).waitForClose();
    expect(env.emulator.mediaStream(id).closeCode).toBe(1000);
    await expect(env.processor.waitForMediaStream(id)).rejects.toBeInstanceOf(
      CallDisconnectedError,
    );
  });
});
