import type { CallEventOfKind, KnownCallEventKind } from '../events/call-event.types';

/**
 * The events that end each operation, as the .NET SDK's event processor has them. An empty
 * success list means the service sends no success event: the accepted request is the success.
 */
export const OPERATION_EVENTS = {
  createCall: { success: ['CallConnected'], failure: ['CreateCallFailed'] },
  createGroupCall: { success: ['CallConnected'], failure: ['CreateCallFailed'] },
  answerCall: { success: ['CallConnected'], failure: ['AnswerFailed'] },
  connectCall: { success: ['CallConnected'], failure: ['ConnectFailed'] },
  hangUp: { success: ['CallDisconnected'], failure: [] },
  addParticipant: { success: ['AddParticipantSucceeded'], failure: ['AddParticipantFailed'] },
  removeParticipant: {
    success: ['RemoveParticipantSucceeded'],
    failure: ['RemoveParticipantFailed'],
  },
  transferCallToParticipant: { success: ['CallTransferAccepted'], failure: ['CallTransferFailed'] },
  cancelAddParticipantOperation: {
    success: ['CancelAddParticipantSucceeded'],
    failure: ['CancelAddParticipantFailed'],
  },
  moveParticipants: { success: ['MoveParticipantSucceeded'], failure: ['MoveParticipantFailed'] },
  muteParticipant: { success: [], failure: [] },
  play: { success: ['PlayCompleted'], failure: ['PlayFailed', 'PlayCanceled'] },
  playToAll: { success: ['PlayCompleted'], failure: ['PlayFailed', 'PlayCanceled'] },
  startRecognizing: {
    success: ['RecognizeCompleted'],
    failure: ['RecognizeFailed', 'RecognizeCanceled'],
  },
  sendDtmfTones: { success: ['SendDtmfTonesCompleted'], failure: ['SendDtmfTonesFailed'] },
  startContinuousDtmfRecognition: {
    success: ['ContinuousDtmfRecognitionToneReceived'],
    failure: ['ContinuousDtmfRecognitionToneFailed'],
  },
  stopContinuousDtmfRecognition: {
    success: ['ContinuousDtmfRecognitionStopped'],
    failure: ['ContinuousDtmfRecognitionToneFailed'],
  },
  hold: { success: [], failure: ['HoldFailed'] },
  unhold: { success: [], failure: ['HoldFailed'] },
  startTranscription: { success: ['TranscriptionStarted'], failure: ['TranscriptionFailed'] },
  stopTranscription: { success: ['TranscriptionStopped'], failure: ['TranscriptionFailed'] },
  updateTranscription: { success: ['TranscriptionUpdated'], failure: ['TranscriptionFailed'] },
  startMediaStreaming: { success: ['MediaStreamingStarted'], failure: ['MediaStreamingFailed'] },
  stopMediaStreaming: { success: ['MediaStreamingStopped'], failure: ['MediaStreamingFailed'] },
} as const satisfies Record<
  string,
  { success: readonly KnownCallEventKind[]; failure: readonly KnownCallEventKind[] }
>;

export type OperationName = keyof typeof OPERATION_EVENTS;

/**
 * The typed events of each operation, read from OPERATION_EVENTS:
 * `OperationEvents['play']['success']` is `PlayCompleted`; `never` where the list is empty.
 */
export type OperationEvents = {
  [N in OperationName]: {
    success: CallEventOfKind<(typeof OPERATION_EVENTS)[N]['success'][number]>;
    failure: CallEventOfKind<(typeof OPERATION_EVENTS)[N]['failure'][number]>;
  };
};
