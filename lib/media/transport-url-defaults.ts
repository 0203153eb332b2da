import type {
  MediaStreamingOptions,
  TranscriptionOptions,
} from '@azure/communication-call-automation';

/** The call options (createCall, answerCall, connectCall) that can name a transportUrl. */
export interface StreamingCallOptions {
  mediaStreamingOptions?: MediaStreamingOptions;
  transcriptionOptions?: TranscriptionOptions;
}

/**
 * The options with `mediaStreaming.publicUrl` filled in as `transportUrl` where the media
 * streaming or transcription options omit it (as `callbackUri` fills the callback URL), so ACS
 * connects to this replica's media route. A URL the caller gives is kept. The SDK's
 * `startMediaStreaming` / `startTranscription` take no transportUrl: they use the call's.
 */
export function withTransportUrl<O extends StreamingCallOptions>(
  options: O,
  publicUrl: string | undefined,
): O {
  if (publicUrl === undefined) return options;
  const { mediaStreamingOptions: media, transcriptionOptions: transcription } = options;
  const fillMedia = media !== undefined && media.transportUrl === undefined;
  const fillTranscription = transcription !== undefined && transcription.transportUrl === undefined;
  if (!fillMedia && !fillTranscription) return options;
  return {
    ...options,
    ...(fillMedia ? { mediaStreamingOptions: { ...media, transportUrl: publicUrl } } : {}),
    ...(fillTranscription
      ? { transcriptionOptions: { ...transcription, transportUrl: publicUrl } }
      : {}),
  };
}
