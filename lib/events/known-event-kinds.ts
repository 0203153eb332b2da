import type { KnownCallEventKind } from './call-event.types';

/** The 38 kinds that `parseCallAutomationEvent` of @azure/communication-call-automation 1.6 knows. */
const KINDS = {
  AddParticipantSucceeded: true,
  AddParticipantFailed: true,
  RemoveParticipantSucceeded: true,
  RemoveParticipantFailed: true,
  MoveParticipantSucceeded: true,
  MoveParticipantFailed: true,
  CallConnected: true,
  CallDisconnected: true,
  CallTransferAccepted: true,
  CallTransferFailed: true,
  ParticipantsUpdated: true,
  RecordingStateChanged: true,
  PlayStarted: true,
  PlayCompleted: true,
  PlayFailed: true,
  PlayCanceled: true,
  RecognizeCompleted: true,
  RecognizeCanceled: true,
  RecognizeFailed: true,
  ContinuousDtmfRecognitionToneReceived: true,
  ContinuousDtmfRecognitionToneFailed: true,
  ContinuousDtmfRecognitionStopped: true,
  SendDtmfTonesCompleted: true,
  SendDtmfTonesFailed: true,
  CancelAddParticipantSucceeded: true,
  CancelAddParticipantFailed: true,
  TranscriptionStarted: true,
  TranscriptionStopped: true,
  TranscriptionUpdated: true,
  TranscriptionFailed: true,
  CreateCallFailed: true,
  AnswerFailed: true,
  HoldFailed: true,
  ConnectFailed: true,
  MediaStreamingStarted: true,
  MediaStreamingStopped: true,
  MediaStreamingFailed: true,
  StartRecordingFailed: true,
} satisfies Record<KnownCallEventKind, true>;

export const KNOWN_CALL_EVENT_KINDS: readonly KnownCallEventKind[] = Object.keys(
  KINDS,
) as KnownCallEventKind[];

const KNOWN = new Set<string>(KNOWN_CALL_EVENT_KINDS);

export function isKnownCallEventKind(kind: string): kind is KnownCallEventKind {
  return KNOWN.has(kind);
}
