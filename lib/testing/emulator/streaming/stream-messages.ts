/**
 * The JSON messages ACS sends over a media streaming or transcription WebSocket, with the wire
 * names `StreamingData.parse` (SDK 1.6) reads. Shapes from the issue's wire facts and the
 * Azure SDK teams' parser tests (azure-sdk-for-js and -python `streamingData` tests).
 */

/** 1 tick = 100 ns: transcription offsets and durations are in ticks. */
export const TICKS_PER_MS = 10_000;

export function audioMetadataMessage(
  subscriptionId: string,
  sampleRate: number,
  frameBytes: number,
): string {
  return JSON.stringify({
    kind: 'AudioMetadata',
    audioMetadata: { subscriptionId, encoding: 'PCM', sampleRate, channels: 1, length: frameBytes },
  });
}

/** One 20 ms frame; `participantRawID` only in unmixed audio (mixed audio has no one speaker). */
export function audioDataMessage(
  pcm: Uint8Array,
  timestamp: Date,
  silent: boolean,
  participantRawId?: string,
): string {
  return JSON.stringify({
    kind: 'AudioData',
    audioData: {
      timestamp: timestamp.toISOString(),
      participantRawID: participantRawId,
      data: Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString('base64'),
      silent,
    },
  });
}

export function dtmfDataMessage(tone: string): string {
  return JSON.stringify({ kind: 'DtmfData', dtmfData: { data: tone } });
}

export function transcriptionMetadataMessage(fields: {
  subscriptionId: string;
  locale: string;
  callConnectionId: string;
  correlationId: string;
  speechModelEndpointId?: string;
}): string {
  return JSON.stringify({
    kind: 'TranscriptionMetadata',
    transcriptionMetadata: {
      subscriptionId: fields.subscriptionId,
      locale: fields.locale,
      callConnectionId: fields.callConnectionId,
      correlationId: fields.correlationId,
      speechRecognitionModelEndpointId: fields.speechModelEndpointId,
    },
  });
}

/** A recognized word: its lexical form and where it sits, in ticks from the stream's start. */
export interface TranscribedWord {
  text: string;
  offset: number;
  duration: number;
}

export function transcriptionDataMessage(fields: {
  text: string;
  confidence: number;
  words: readonly TranscribedWord[];
  participantRawId: string;
  resultStatus: 'Intermediate' | 'Final';
}): string {
  const first = fields.words[0];
  const last = fields.words.at(-1);
  const offset = first?.offset ?? 0;
  const end = last ? last.offset + last.duration : offset;
  return JSON.stringify({
    kind: 'TranscriptionData',
    transcriptionData: {
      text: fields.text,
      format: 'display',
      confidence: fields.confidence,
      offset,
      duration: end - offset,
      words: fields.words,
      participantRawID: fields.participantRawId,
      resultStatus: fields.resultStatus,
    },
  });
}
