import 'reflect-metadata';
import type {
  MediaStreamingOptions,
  TranscriptionOptions,
} from '@azure/communication-call-automation';
import { Injectable } from '@nestjs/common';
import {
  type CallAutomationModuleOptions,
  CallAutomationService,
  type CallSession,
  type EventProcessorService,
  type IncomingCall,
  type MediaStreamSession,
  OnCallEvent,
  OnMediaStream,
  type TranscriptionDataEvent,
} from 'nestjs-call-automation';
import {
  AcsEmulator,
  type AcsEmulatorOptions,
  type PartyScript,
} from 'nestjs-call-automation/testing';
import { type AdapterName, freePort, startApp, type TestApp } from '../support/app';

/** What the app's own handlers saw: every media session, every transcript event. */
@Injectable()
export class MediaAppRecorder {
  readonly sessions: MediaStreamSession[] = [];
  readonly transcripts: TranscriptionDataEvent[] = [];

  @OnMediaStream()
  onSession(session: MediaStreamSession): void {
    this.sessions.push(session);
  }

  @OnCallEvent('TranscriptionData')
  onTranscript(event: TranscriptionDataEvent): void {
    this.transcripts.push(event);
  }
}

/** The media options a voice agent answers with: no transportUrl (the module fills it in). */
export const MEDIA_OPTIONS: MediaStreamingOptions = {
  transportType: 'websocket',
  contentType: 'audio',
  audioChannelType: 'mixed',
  enableBidirectional: true,
  startMediaStreaming: true,
};

export const TRANSCRIPTION_OPTIONS: TranscriptionOptions = {
  transportType: 'websocket',
  locale: 'en-US',
  startTranscription: true,
  enableIntermediateResults: true,
};

/** An app on its own port, the module wired to the emulator with its media route's public URL. */
export interface MediaE2e {
  emulator: AcsEmulator;
  test: TestApp;
  calls: CallAutomationService;
  processor: EventProcessorService;
  recorder: MediaAppRecorder;
  /** `mediaStreaming.publicUrl`: ws://127.0.0.1:<port>/api/media. */
  publicUrl: string;
  close(): Promise<void>;
}

export interface MediaE2eOptions {
  adapter?: AdapterName;
  /** An emulator shared with other apps (not stopped by `close`); a new one otherwise. */
  emulator?: AcsEmulator;
  emulatorOptions?: AcsEmulatorOptions;
  /** More module options; they win over the harness's (`auth: emulator.auth` by default). */
  module?: Partial<CallAutomationModuleOptions>;
}

/**
 * Starts (or shares) an emulator and boots a real Nest app with
 * `CallAutomationModule.forRoot({ connectionString, callbackUri, auth, mediaStreaming: { publicUrl } })`
 * on a port picked first, as a deployment knows its public URLs before it starts.
 */
export async function startMediaE2e(options: MediaE2eOptions = {}): Promise<MediaE2e> {
  const emulator =
    options.emulator ??
    (await new AcsEmulator({
      eventDelayMs: 5,
      audioFrameIntervalMs: 5,
      transcriptStepMs: 2,
      ...options.emulatorOptions,
    }).start());
  const port = await freePort();
  const publicUrl = `ws://127.0.0.1:${port}/api/media`;
  try {
    const test = await startApp({
      port,
      ...(options.adapter !== undefined ? { adapter: options.adapter } : {}),
      options: {
        connectionString: emulator.connectionString,
        clientOptions: { allowInsecureConnection: true },
        callbackUri: `http://127.0.0.1:${port}/api/callbacks`,
        auth: emulator.auth,
        mediaStreaming: { publicUrl },
        defaultTimeoutMs: 10_000,
        ...options.module,
      },
      providers: [MediaAppRecorder],
    });
    return {
      emulator,
      test,
      calls: test.app.get(CallAutomationService),
      processor: test.processor,
      recorder: test.app.get(MediaAppRecorder),
      publicUrl,
      close: async () => {
        await test.close();
        if (options.emulator === undefined) await emulator.stop();
      },
    };
  } catch (error) {
    if (options.emulator === undefined) await emulator.stop();
    throw error;
  }
}

let callers = 0;

/**
 * Rings the app from a scripted caller of its own and answers in the app, as an IncomingCall
 * handler would: `calls.answer(incoming, { mediaStreamingOptions, transcriptionOptions })`.
 */
export async function answeredCall(
  env: MediaE2e,
  caller: PartyScript,
  answer: { media?: MediaStreamingOptions; transcription?: TranscriptionOptions } = {
    media: MEDIA_OPTIONS,
    transcription: TRANSCRIPTION_OPTIONS,
  },
): Promise<{ call: CallSession; from: string }> {
  callers += 1;
  const from = `+1555040${String(callers).padStart(4, '0')}`;
  const incoming = env.processor.waitForEvent<IncomingCall>(
    (event) =>
      event.kind === 'IncomingCall' &&
      (event.from as IncomingCall['from'] | undefined)?.rawId === `4:${from}`,
  );
  await env.emulator.placeIncomingCall({
    url: env.test.url('api/incomingCall'),
    from,
    caller,
  });
  const call = await env.calls.answer(await incoming, {
    ...(answer.media ? { mediaStreamingOptions: answer.media } : {}),
    ...(answer.transcription ? { transcriptionOptions: answer.transcription } : {}),
  });
  return { call, from };
}

/** The call's media session (the socket with AudioMetadata; the transcription socket has none). */
export async function mediaSessionOf(
  env: MediaE2e,
  callConnectionId: string,
): Promise<MediaStreamSession> {
  await until(
    () =>
      env.recorder.sessions.some(
        (session) =>
          session.callConnectionId === callConnectionId && session.audioMetadata !== undefined,
      ),
    `the media session of call ${callConnectionId} has its AudioMetadata`,
  );
  return env.recorder.sessions.find(
    (session) =>
      session.callConnectionId === callConnectionId && session.audioMetadata !== undefined,
  ) as MediaStreamSession;
}

/** The first `count` frames of `session.audio()`, leaving the rest queued. */
export async function readFrames(session: MediaStreamSession, count: number): Promise<Buffer[]> {
  const frames: Buffer[] = [];
  for await (const frame of session.audio()) {
    frames.push(Buffer.from(frame.data, 'base64'));
    if (frames.length === count) break;
  }
  return frames;
}

/** 16-bit PCM whose every 640-byte frame is different (frame n filled with byte n + 1). */
export function numberedPcm(frames: number, frameBytes = 640): Buffer {
  return Buffer.concat(
    Array.from({ length: frames }, (_, index) => Buffer.alloc(frameBytes, index + 1)),
  );
}

/** Polls until `condition` holds; the test's timeout bounds it (no timing asserted). */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
