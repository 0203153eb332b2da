import type { RestResultInformation } from '@azure/communication-call-automation';
import type { CallAutomationEventKind } from '../events/call-events';
import { resultCodes, type WireResultInformation } from '../events/result-information';

/** Every REST operation the emulator serves, named after the SDK method (or the REST action). */
export type EmulatedOperation =
  | 'createCall'
  | 'answerCall'
  | 'redirectCall'
  | 'rejectCall'
  | 'connectCall'
  | 'getCallConnectionProperties'
  | 'hangUp'
  | 'terminateCall'
  | 'transferCallToParticipant'
  | 'addParticipant'
  | 'removeParticipant'
  | 'cancelAddParticipantOperation'
  | 'muteParticipant'
  | 'moveParticipants'
  | 'listParticipants'
  | 'getParticipant'
  | 'play'
  | 'cancelAllMediaOperations'
  | 'startRecognizing'
  | 'startContinuousDtmfRecognition'
  | 'stopContinuousDtmfRecognition'
  | 'sendDtmfTones'
  | 'hold'
  | 'unhold'
  | 'startTranscription'
  | 'stopTranscription'
  | 'updateTranscription'
  | 'startMediaStreaming'
  | 'stopMediaStreaming'
  | 'startRecording'
  | 'getRecordingState'
  | 'stopRecording'
  | 'pauseRecording'
  | 'resumeRecording';

/**
 * The named failures of each operation that reports its outcome by an event; the first name
 * is what `fail: true` uses.
 */
export const OPERATION_FAILURES = {
  createCall: {
    noAnswer: resultCodes.calleeNoAnswer,
    declined: resultCodes.calleeDeclined,
    busy: resultCodes.calleeBusy,
    unreachable: resultCodes.calleeUnreachable,
  },
  answerCall: {
    notAnsweredInTime: resultCodes.incomingCallNotAnsweredInTime,
    callerHungUp: resultCodes.invitationCanceled,
  },
  connectCall: { notFound: resultCodes.notFound },
  transferCallToParticipant: {
    noAnswer: resultCodes.calleeNoAnswer,
    declined: resultCodes.calleeDeclined,
    busy: resultCodes.calleeBusy,
    unreachable: resultCodes.calleeUnreachable,
  },
  addParticipant: {
    noAnswer: resultCodes.calleeNoAnswer,
    declined: resultCodes.calleeDeclined,
    busy: resultCodes.calleeBusy,
    unreachable: resultCodes.calleeUnreachable,
  },
  removeParticipant: { notFound: resultCodes.notFound },
  cancelAddParticipantOperation: { notFound: resultCodes.notFound, conflict: resultCodes.conflict },
  moveParticipants: { notFound: resultCodes.notFound },
  play: {
    fileNotFound: resultCodes.playFileDownloadFailed,
    fileDownloadFailed: resultCodes.playFileDownloadFailed,
    invalidFileFormat: resultCodes.playInvalidFileFormat,
    cognitiveServicesError: resultCodes.playCognitiveServicesError,
    internalError: resultCodes.internalError,
  },
  startRecognizing: {
    initialSilenceTimeout: resultCodes.recognizeInitialSilenceTimeout,
    interDigitTimeout: resultCodes.recognizeInterDigitTimeout,
    incorrectTone: resultCodes.recognizeIncorrectTone,
    speechOptionNotMatched: resultCodes.recognizeSpeechOptionNotMatched,
    playPromptFailed: resultCodes.recognizePlayPromptFailed,
    internalError: resultCodes.recognizeInternalError,
  },
  startContinuousDtmfRecognition: { internalError: resultCodes.internalError },
  stopContinuousDtmfRecognition: { internalError: resultCodes.internalError },
  sendDtmfTones: {
    participantNotPresent: resultCodes.participantNotPresent,
    internalError: resultCodes.internalError,
  },
  hold: {
    participantNotPresent: resultCodes.participantNotPresent,
    preconditionFailed: resultCodes.preconditionFailed,
  },
  unhold: { participantNotPresent: resultCodes.participantNotPresent },
  startTranscription: { failed: resultCodes.transcriptionFailed },
  stopTranscription: { failed: resultCodes.transcriptionFailed },
  updateTranscription: { failed: resultCodes.transcriptionFailed },
  startMediaStreaming: { failed: resultCodes.mediaStreamingFailed },
  stopMediaStreaming: { failed: resultCodes.mediaStreamingFailed },
  startRecording: {
    internalError: resultCodes.internalError,
    duplicateRecording: resultCodes.duplicateRecording,
  },
} as const satisfies Partial<Record<EmulatedOperation, Record<string, WireResultInformation>>>;

/** An operation whose outcome can be scripted to fail with a failure event. */
export type FailingOperation = keyof typeof OPERATION_FAILURES;

/** The failure event of each failing operation. */
export const FAILURE_EVENT_KIND = {
  createCall: 'CreateCallFailed',
  answerCall: 'AnswerFailed',
  connectCall: 'ConnectFailed',
  transferCallToParticipant: 'CallTransferFailed',
  addParticipant: 'AddParticipantFailed',
  removeParticipant: 'RemoveParticipantFailed',
  cancelAddParticipantOperation: 'CancelAddParticipantFailed',
  moveParticipants: 'MoveParticipantFailed',
  play: 'PlayFailed',
  startRecognizing: 'RecognizeFailed',
  startContinuousDtmfRecognition: 'ContinuousDtmfRecognitionToneFailed',
  stopContinuousDtmfRecognition: 'ContinuousDtmfRecognitionToneFailed',
  sendDtmfTones: 'SendDtmfTonesFailed',
  hold: 'HoldFailed',
  unhold: 'HoldFailed',
  startTranscription: 'TranscriptionFailed',
  stopTranscription: 'TranscriptionFailed',
  updateTranscription: 'TranscriptionFailed',
  startMediaStreaming: 'MediaStreamingFailed',
  stopMediaStreaming: 'MediaStreamingFailed',
  startRecording: 'StartRecordingFailed',
} as const satisfies Record<FailingOperation, CallAutomationEventKind>;

/** The names `fail` accepts for operation `O`. */
export type FailureName<O extends EmulatedOperation> = O extends FailingOperation
  ? keyof (typeof OPERATION_FAILURES)[O]
  : never;

/** How a failure is given: `true` (the usual one), a name, or the exact resultInformation. */
export type FailureSpec<O extends EmulatedOperation> = O extends FailingOperation
  ? true | FailureName<O> | RestResultInformation
  : never;

/** The resultInformation of a scripted failure. */
export function resolveFailure(
  operation: EmulatedOperation,
  spec: true | string | RestResultInformation,
): RestResultInformation {
  if (typeof spec === 'object') return spec;
  const failures = (
    OPERATION_FAILURES as Partial<Record<string, Record<string, RestResultInformation>>>
  )[operation];
  if (!failures) throw new Error(`Operation ${operation} reports no outcome event; use restError.`);
  if (spec === true) return Object.values(failures)[0] as RestResultInformation;
  const named = failures[spec];
  if (!named) {
    throw new Error(
      `Unknown failure "${spec}" of ${operation}; known: ${Object.keys(failures).join(', ')}.`,
    );
  }
  return named;
}
