import type {
  MediaStreamingOptions,
  TextSource,
  TranscriptionOptions,
} from '@azure/communication-call-automation';

const VOICE = 'en-US-NancyNeural';

function say(text: string): TextSource {
  return { kind: 'textSource', text, voiceName: VOICE };
}

export const VOICE_MENU = say(
  'Thank you for calling Contoso. Say agent to speak to an agent, or goodbye to end the call.',
);
export const NOT_UNDERSTOOD = say('Sorry, please say agent or goodbye.');

/**
 * Answer options of a voice menu call: the caller's audio both ways (the echo plays it back),
 * and live transcription with intermediate results (the first one is the barge-in signal). No
 * transportUrl: the module fills in `mediaStreaming.publicUrl`.
 */
export const VOICE_MENU_MEDIA: MediaStreamingOptions = {
  transportType: 'websocket',
  contentType: 'audio',
  audioChannelType: 'mixed',
  enableBidirectional: true,
  startMediaStreaming: true,
};
export const VOICE_MENU_TRANSCRIPTION: TranscriptionOptions = {
  transportType: 'websocket',
  locale: 'en-US',
  startTranscription: true,
  enableIntermediateResults: true,
};
