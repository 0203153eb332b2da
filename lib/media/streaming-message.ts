import type {
  AudioData,
  AudioMetadata,
  DtmfData,
  TranscriptionData,
  TranscriptionMetadata,
} from '@azure/communication-call-automation';
import { createIdentifierFromRawId } from '@azure/communication-common';

/** One inbound message of the media WebSocket, as the SDK's `StreamingData.parse` shapes it, plus its kind. */
export type StreamingMessage =
  | ({ kind: 'AudioMetadata' } & AudioMetadata)
  | ({ kind: 'AudioData' } & AudioData)
  | ({ kind: 'TranscriptionMetadata' } & TranscriptionMetadata)
  | ({ kind: 'TranscriptionData' } & TranscriptionData)
  | ({ kind: 'DtmfData' } & DtmfData)
  | UnknownStreamingMessage;

/** A kind the SDK does not know (a newer service): the message as it came. */
export interface UnknownStreamingMessage {
  kind: string;
  [field: string]: unknown;
}

/** The message could not be read: not JSON, not an object with a kind, or a known kind without its data. */
export class MalformedStreamingMessageError extends Error {
  override readonly name = 'MalformedStreamingMessageError';
}

type Json = Record<string, unknown>;

const decoder = new TextDecoder();

/**
 * Reads one message. The result equals `{ kind, ...StreamingData.parse(text) }` for every kind
 * the SDK knows (the same fields, the same conversions: `offset` -> `offsetInTicks`, a raw id ->
 * the SDK's identifier; `timestamp` stays the string ACS sent, as in the SDK). It is our own
 * code because the SDK's parser records the kind in a static shared by every call
 * (`StreamingData.getStreamingKind()`, azure-sdk-for-js #35610): two calls streaming at once
 * would read each other's kind. Unknown kinds pass through as they came; anything else throws
 * MalformedStreamingMessageError.
 */
export function parseStreamingMessage(data: string | Uint8Array): StreamingMessage {
  let json: unknown;
  try {
    json = JSON.parse(typeof data === 'string' ? data : decoder.decode(data));
  } catch {
    throw new MalformedStreamingMessageError('the message is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new MalformedStreamingMessageError('the message is not a JSON object');
  }
  const message = json as Json;
  const kind = message.kind;
  if (typeof kind !== 'string' || kind === '') {
    throw new MalformedStreamingMessageError('the message has no kind');
  }
  try {
    return readKind(kind, message);
  } catch (error) {
    if (error instanceof MalformedStreamingMessageError) throw error;
    // A field of the wrong type (a numeric participantRawID, ...), where the SDK throws too.
    throw new MalformedStreamingMessageError(
      `${kind} could not be read (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

function readKind(kind: string, message: Json): StreamingMessage {
  switch (kind) {
    case 'AudioData': {
      const audio = part(message, 'audioData');
      return {
        kind,
        data: audio.data as string,
        timestamp: audio.timestamp as Date | undefined,
        isSilent: audio.silent as boolean | undefined,
        participant:
          audio.participantRawID !== undefined
            ? createIdentifierFromRawId(audio.participantRawID as string)
            : undefined,
      };
    }
    case 'AudioMetadata': {
      const metadata = part(message, 'audioMetadata');
      return {
        kind,
        subscriptionId: metadata.subscriptionId as string,
        encoding: metadata.encoding as string,
        sampleRate: metadata.sampleRate as number,
        channels: metadata.channels as AudioMetadata['channels'],
      };
    }
    case 'TranscriptionMetadata': {
      const metadata = part(message, 'transcriptionMetadata');
      return {
        kind,
        subscriptionId: metadata.subscriptionId as string,
        locale: metadata.locale as string,
        callConnectionId: metadata.callConnectionId as string,
        correlationId: metadata.correlationId as string,
        speechRecognitionModelEndpointId: metadata.speechRecognitionModelEndpointId as string,
      };
    }
    case 'TranscriptionData': {
      const transcription = part(message, 'transcriptionData');
      if (!Array.isArray(transcription.words)) {
        throw new MalformedStreamingMessageError('TranscriptionData has no words list');
      }
      if (typeof transcription.participantRawID !== 'string') {
        throw new MalformedStreamingMessageError('TranscriptionData has no participantRawID');
      }
      return {
        kind,
        text: transcription.text as string,
        format: transcription.format as string,
        confidence: transcription.confidence as number,
        offsetInTicks: transcription.offset as number,
        durationInTicks: transcription.duration as number,
        words: (transcription.words as Json[]).map((word) => ({
          text: word?.text as string,
          offsetInTicks: word?.offset as number,
          durationInTicks: word?.duration as number,
        })),
        participant: createIdentifierFromRawId(transcription.participantRawID),
        resultState: transcription.resultStatus as TranscriptionData['resultState'],
      };
    }
    case 'DtmfData': {
      const dtmf = part(message, 'dtmfData');
      return { kind, data: dtmf.data as string };
    }
    default:
      return message as UnknownStreamingMessage;
  }
}

/** The object a known kind keeps its data in (`audioData` for AudioData, ...). */
function part(message: Json, name: string): Json {
  const value = message[name];
  if (typeof value !== 'object' || value === null) {
    throw new MalformedStreamingMessageError(`${String(message.kind)} has no ${name} object`);
  }
  return value as Json;
}
