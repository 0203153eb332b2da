import type { DtmfData, TranscriptionData } from '@azure/communication-call-automation';

/** The kinds of the call events that come over the media WebSocket, not the webhook. */
export type MediaCallEventKind = 'TranscriptionData' | 'DtmfData';

/** What the session adds to the SDK's message: which call it belongs to. */
interface MediaCallEventBase {
  /** From the socket's `x-ms-call-connection-id` header (or the transcription metadata). */
  callConnectionId: string;
  /** From the socket's `x-ms-call-correlation-id` header, when ACS sent it. */
  correlationId?: string;
}

/**
 * A live transcription result (the SDK's `TranscriptionData`: `text`, `resultState`
 * 'Intermediate' | 'Final', `participant`, ...) as a call event: it reaches `waitForEvent`,
 * ongoing handlers and `@OnCallEvent('TranscriptionData')`.
 */
export interface TranscriptionDataEvent extends TranscriptionData, MediaCallEventBase {
  kind: 'TranscriptionData';
}

/** A DTMF tone streamed over the media WebSocket (`enableDtmfTones`), as a call event. */
export interface DtmfDataEvent extends DtmfData, MediaCallEventBase {
  kind: 'DtmfData';
}

/** The call events of the media WebSocket. */
export type MediaCallEvent = TranscriptionDataEvent | DtmfDataEvent;
