import type { RequestBody } from '../request-body';
import { RestFailure } from '../rest-response';

/** `mediaStreamingOptions` of createCall / answerCall / connectCall, as the SDK sends them. */
export interface MediaStreamingConfig {
  transportUrl?: string;
  /** `mixed`: one stream of all parties; `unmixed`: frames per participant, with its raw id. */
  audioChannelType: 'mixed' | 'unmixed';
  /** 16000 (`pcm16KMono`, the default) or 24000 (`pcm24KMono`). */
  sampleRate: 16000 | 24000;
  contentType: string;
  startMediaStreaming: boolean;
  enableBidirectional: boolean;
  enableDtmfTones: boolean;
}

/** `transcriptionOptions` of createCall / answerCall / connectCall. */
export interface TranscriptionConfig {
  transportUrl?: string;
  locale: string;
  speechModelEndpointId?: string;
  startTranscription: boolean;
  enableIntermediateResults: boolean;
}

/** The set-up request's media streaming options, checked as the service checks them. */
export function mediaStreamingConfigOf(body: RequestBody): MediaStreamingConfig | undefined {
  const options = body.object('mediaStreamingOptions');
  if (!options) return undefined;
  checkTransport(options);
  const channel = options.requiredString('audioChannelType').toLowerCase();
  if (channel !== 'mixed' && channel !== 'unmixed') {
    throw RestFailure.invalid(`audioChannelType "${channel}" is not one of mixed, unmixed.`);
  }
  // The SDK sends `pcm16KMono` / `pcm24KMono`; the service reads enum values case-insensitively.
  const format = (options.string('audioFormat') ?? 'pcm16KMono').toLowerCase();
  if (format !== 'pcm16kmono' && format !== 'pcm24kmono') {
    throw RestFailure.invalid(`audioFormat "${format}" is not one of pcm16KMono, pcm24KMono.`);
  }
  return {
    transportUrl: transportUrlOf(options),
    audioChannelType: channel,
    sampleRate: format === 'pcm24kmono' ? 24000 : 16000,
    contentType: options.string('contentType') ?? 'audio',
    startMediaStreaming: options.boolean('startMediaStreaming') ?? false,
    enableBidirectional: options.boolean('enableBidirectional') ?? false,
    enableDtmfTones: options.boolean('enableDtmfTones') ?? false,
  };
}

/** The set-up request's transcription options. */
export function transcriptionConfigOf(body: RequestBody): TranscriptionConfig | undefined {
  const options = body.object('transcriptionOptions');
  if (!options) return undefined;
  checkTransport(options);
  return {
    transportUrl: transportUrlOf(options),
    locale: options.requiredString('locale'),
    speechModelEndpointId: options.string('speechModelEndpointId'),
    startTranscription: options.boolean('startTranscription') ?? false,
    enableIntermediateResults: options.boolean('enableIntermediateResults') ?? false,
  };
}

function checkTransport(options: RequestBody): void {
  const transport = options.requiredString('transportType');
  if (transport.toLowerCase() !== 'websocket') {
    throw RestFailure.invalid(`transportType "${transport}" is not supported; use websocket.`);
  }
}

/** A transport URL must be an absolute ws(s) URL; one the service cannot use is a 400. */
function transportUrlOf(options: RequestBody): string | undefined {
  const value = options.string('transportUrl');
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'ws:' && url.protocol !== 'wss:')) {
    throw RestFailure.invalid('the field TransportUrl is invalid: use a ws:// or wss:// URL.');
  }
  return value;
}
