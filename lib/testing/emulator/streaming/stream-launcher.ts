import { resultCodes } from '../../events/result-information';
import { rawIdOf } from '../../events/wire-identifiers';
import type { EmulatedCall } from '../call-state';
import type { EmulatorRuntime, ScheduledEvents } from '../emulator-runtime';
import { EmulatedMediaStream, type EmulatedStreamKind } from './emulated-media-stream';

/** ACS's WebSocket tokens live 24 hours (callback tokens five minutes). */
const STREAM_TOKEN_SECONDS = 24 * 60 * 60;

/** Where the outcome events of a start go, and what they echo. */
export interface StreamStart {
  url: string;
  operationContext?: string;
}

/** The transport URL of the call's options for `kind`, if any. */
export function transportUrlOf(call: EmulatedCall, kind: EmulatedStreamKind): string | undefined {
  return kind === 'audio'
    ? call.mediaStreamingConfig?.transportUrl
    : call.transcriptionConfig?.transportUrl;
}

/**
 * Connects to the call's transport URL as ACS does (a signed token, the call's ids in headers),
 * then reports MediaStreamingStarted / TranscriptionStarted, or the Failed event when the app
 * cannot be reached or refuses the handshake. Resolves once that event is delivered.
 */
export async function openStream(
  runtime: EmulatorRuntime,
  call: EmulatedCall,
  kind: EmulatedStreamKind,
  start: StreamStart,
): Promise<boolean> {
  const transportUrl = transportUrlOf(call, kind);
  if (!transportUrl) throw new Error(`Call ${call.callConnectionId} has no ${kind} transport URL.`);
  const active = kind === 'audio' ? call.mediaStreaming : call.transcription;
  active.active = true;
  const { options } = runtime;
  // Started again while its socket is up: the same socket goes on.
  const existing = call.latestStream(kind);
  if (existing?.state === 'open')
    return reportStage(runtime, call, kind, 'started', start).delivered;
  const stream = new EmulatedMediaStream({
    kind,
    callConnectionId: call.callConnectionId,
    correlationId: call.correlationId,
    transportUrl,
    token: await runtime.signer.sign({ expiresInSeconds: STREAM_TOKEN_SECONDS }),
    media: kind === 'audio' ? call.mediaStreamingConfig : undefined,
    transcription:
      kind === 'transcription' && call.transcriptionConfig
        ? {
            ...call.transcriptionConfig,
            locale: call.transcription.locale ?? call.transcriptionConfig.locale,
          }
        : undefined,
    speakers: () =>
      call.participants.map((participant) => {
        const rawId = rawIdOf(participant.identifier) ?? '';
        return {
          rawId,
          party: participant.party,
          takePhrases: () => {
            const said = call.phrasesSaid.get(rawId) ?? 0;
            const phrases = (participant.party?.script.says ?? []).slice(said);
            call.phrasesSaid.set(rawId, said + phrases.length);
            return phrases;
          },
        };
      }),
    frameIntervalMs: options.audioFrameIntervalMs,
    frameLimit: options.audioFrameLimit,
    transcriptStepMs: options.transcriptStepMs,
    connectTimeoutMs: options.callbackTimeoutMs,
    recordLimit: options.streamRecordLimit,
  });
  if (call.isOver) {
    stream.close();
    return false;
  }
  call.addStream(stream);
  await stream.waitFor(() => stream.state !== 'connecting', options.callbackTimeoutMs + 1_000);
  if (call.isOver) {
    stream.close();
    return false;
  }
  if (stream.state !== 'open') {
    active.active = false;
    return failed(runtime, call, kind, start).delivered;
  }
  return reportStage(runtime, call, kind, 'started', start).delivered;
}

/** The callback of a stream's start or stop, as its kind names it. */
const STAGE_EVENTS = {
  audio: { started: 'MediaStreamingStarted', stopped: 'MediaStreamingStopped' },
  transcription: { started: 'TranscriptionStarted', stopped: 'TranscriptionStopped' },
} as const;

function reportStage(
  runtime: EmulatorRuntime,
  call: EmulatedCall,
  kind: EmulatedStreamKind,
  stage: 'started' | 'stopped',
  at: StreamStart,
): ScheduledEvents {
  const type = STAGE_EVENTS[kind][stage];
  return runtime.schedule(
    call,
    () => [runtime.event(call, type, { operationContext: at.operationContext })],
    { url: at.url },
  );
}

/**
 * Closes the call's open stream of `kind` (1000) and reports MediaStreamingStopped /
 * TranscriptionStopped.
 */
export function closeStream(
  runtime: EmulatorRuntime,
  call: EmulatedCall,
  kind: EmulatedStreamKind,
  stop: StreamStart,
): ScheduledEvents {
  const active = kind === 'audio' ? call.mediaStreaming : call.transcription;
  active.active = false;
  call.latestStream(kind)?.close(1000, `${kind} stopped`);
  return reportStage(runtime, call, kind, 'stopped', stop);
}

/** The streams the call's options start with the call (`startMediaStreaming`, `startTranscription`). */
export function startStreamsAtConnect(runtime: EmulatorRuntime, call: EmulatedCall): void {
  const url = call.callbackUri;
  if (call.mediaStreamingConfig?.startMediaStreaming && call.mediaStreamingConfig.transportUrl) {
    void openStream(runtime, call, 'audio', { url }).catch(() => undefined);
  }
  if (call.transcriptionConfig?.startTranscription && call.transcriptionConfig.transportUrl) {
    void openStream(runtime, call, 'transcription', { url }).catch(() => undefined);
  }
}

/**
 * The Failed event of a stream the app could not take. MediaStreamingFailed 500/8603 as the
 * Java SDK team recorded it; TranscriptionFailed 400/8581 `streamUrlMissing` as a live call
 * reported it (Microsoft Q&A 2283300).
 */
function failed(
  runtime: EmulatorRuntime,
  call: EmulatedCall,
  kind: EmulatedStreamKind,
  start: StreamStart,
): ScheduledEvents {
  const operationContext = start.operationContext;
  return runtime.schedule(
    call,
    () => [
      kind === 'audio'
        ? runtime.event(call, 'MediaStreamingFailed', {
            operationContext,
            resultInformation: resultCodes.mediaStreamingFailed,
          })
        : runtime.event(call, 'TranscriptionFailed', {
            operationContext,
            resultInformation: resultCodes.transcriptionTransportFailed,
            transcriptionUpdate: {
              transcriptionStatus: 'transcriptionFailed',
              transcriptionStatusDetails: 'streamUrlMissing',
            },
          }),
    ],
    { url: start.url },
  );
}
