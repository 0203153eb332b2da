import { randomUUID } from 'node:crypto';
import type {
  CallAutomationEvent,
  RestAddParticipantFailed,
  RestAddParticipantSucceeded,
  RestAnswerFailed,
  RestCallConnected,
  RestCallDisconnected,
  RestCallTransferAccepted,
  RestCallTransferFailed,
  RestCancelAddParticipantFailed,
  RestCancelAddParticipantSucceeded,
  RestConnectFailed,
  RestContinuousDtmfRecognitionStopped,
  RestContinuousDtmfRecognitionToneFailed,
  RestContinuousDtmfRecognitionToneReceived,
  RestCreateCallFailed,
  RestHoldFailed,
  RestMediaStreamingFailed,
  RestMediaStreamingStarted,
  RestMediaStreamingStopped,
  RestParticipantsUpdated,
  RestPlayCanceled,
  RestPlayCompleted,
  RestPlayFailed,
  RestPlayStarted,
  RestRecognizeCanceled,
  RestRecognizeCompleted,
  RestRecognizeFailed,
  RestRecordingStateChanged,
  RestRemoveParticipantFailed,
  RestRemoveParticipantSucceeded,
  RestResultInformation,
  RestSendDtmfTonesCompleted,
  RestSendDtmfTonesFailed,
  RestTranscriptionFailed,
  RestTranscriptionStarted,
  RestTranscriptionStopped,
  RestTranscriptionUpdated,
} from '@azure/communication-call-automation';
import {
  CALL_AUTOMATION_TYPE_PREFIX,
  type CallAutomationCloudEvent,
  type EnvelopeOverrides,
  newServerCallId,
  wrapInCloudEvent,
} from './cloud-event-envelope';
import { addParticipantCanceled, resultCodes } from './result-information';
import { communicationUser, type WireIdentifier } from './wire-identifiers';

/** `kind` of every event that `parseCallAutomationEvent` (SDK 1.6) knows: 38 of them. */
export type CallAutomationEventKind = CallAutomationEvent['kind'];

/** Wire `data` of MoveParticipantSucceeded/Failed (the SDK exports no `Rest` type for them). */
export interface WireMoveParticipantData {
  callConnectionId?: string;
  serverCallId?: string;
  correlationId?: string;
  operationContext?: string;
  resultInformation?: RestResultInformation;
  participant?: WireIdentifier;
  /** The call connection id the participant was moved from. */
  fromCall?: string;
}

/** Wire `data` of RecordingStateChanged: `startDateTime` is an ISO-8601 string on the wire. */
export interface WireRecordingStateChangedData
  extends Omit<RestRecordingStateChanged, 'startDateTime'> {
  startDateTime?: string;
}

/** Wire `data` of StartRecordingFailed (the SDK exports no `Rest` type for it). */
export interface WireStartRecordingFailedData {
  recordingId?: string;
  callConnectionId?: string;
  serverCallId?: string;
  correlationId?: string;
  operationContext?: string;
  resultInformation?: RestResultInformation;
}

/** The wire `data` type of each event kind: the SDK's `Rest*` interfaces where they exist. */
export interface CallEventDataMap {
  AddParticipantSucceeded: RestAddParticipantSucceeded;
  AddParticipantFailed: RestAddParticipantFailed;
  RemoveParticipantSucceeded: RestRemoveParticipantSucceeded;
  RemoveParticipantFailed: RestRemoveParticipantFailed;
  MoveParticipantSucceeded: WireMoveParticipantData;
  MoveParticipantFailed: WireMoveParticipantData;
  CallConnected: RestCallConnected;
  CallDisconnected: RestCallDisconnected;
  CallTransferAccepted: RestCallTransferAccepted;
  CallTransferFailed: RestCallTransferFailed;
  ParticipantsUpdated: RestParticipantsUpdated;
  RecordingStateChanged: WireRecordingStateChangedData;
  PlayStarted: RestPlayStarted;
  PlayCompleted: RestPlayCompleted;
  PlayFailed: RestPlayFailed;
  PlayCanceled: RestPlayCanceled;
  RecognizeCompleted: RestRecognizeCompleted;
  RecognizeCanceled: RestRecognizeCanceled;
  RecognizeFailed: RestRecognizeFailed;
  ContinuousDtmfRecognitionToneReceived: RestContinuousDtmfRecognitionToneReceived;
  ContinuousDtmfRecognitionToneFailed: RestContinuousDtmfRecognitionToneFailed;
  ContinuousDtmfRecognitionStopped: RestContinuousDtmfRecognitionStopped;
  SendDtmfTonesCompleted: RestSendDtmfTonesCompleted;
  SendDtmfTonesFailed: RestSendDtmfTonesFailed;
  CancelAddParticipantSucceeded: RestCancelAddParticipantSucceeded;
  CancelAddParticipantFailed: RestCancelAddParticipantFailed;
  TranscriptionStarted: RestTranscriptionStarted;
  TranscriptionStopped: RestTranscriptionStopped;
  TranscriptionUpdated: RestTranscriptionUpdated;
  TranscriptionFailed: RestTranscriptionFailed;
  CreateCallFailed: RestCreateCallFailed;
  AnswerFailed: RestAnswerFailed;
  HoldFailed: RestHoldFailed;
  ConnectFailed: RestConnectFailed;
  MediaStreamingStarted: RestMediaStreamingStarted;
  MediaStreamingStopped: RestMediaStreamingStopped;
  MediaStreamingFailed: RestMediaStreamingFailed;
  StartRecordingFailed: WireStartRecordingFailedData;
}

// Compile-time guard: the map covers exactly the SDK's kinds.
type MissingKinds = Exclude<CallAutomationEventKind, keyof CallEventDataMap>;
type ExtraKinds = Exclude<keyof CallEventDataMap, CallAutomationEventKind>;
const coversEveryKind: [MissingKinds, ExtraKinds] extends [never, never] ? true : never = true;
void coversEveryKind;

/** The complete CloudEvent a factory returns for `kind`. */
export type CallEventOf<K extends CallAutomationEventKind> = CallAutomationCloudEvent<
  K,
  CallEventDataMap[K]
>;

/** Any event a factory returns. */
export type AnyCallCloudEvent = {
  [K in CallAutomationEventKind]: CallEventOf<K>;
}[CallAutomationEventKind];

const success = resultCodes.success;

/** `data.version` of every recorded event of 2025 (the Call Automation API version). */
const EVENT_DATA_VERSION = '2025-06-15';

function newRecordingId(): string {
  const locator = { PlatformEndpointId: randomUUID(), ResourceSpecificId: randomUUID() };
  return Buffer.from(JSON.stringify(locator)).toString('base64');
}

function someUser(): WireIdentifier {
  return communicationUser(`8:acs:${randomUUID()}_${randomUUID()}`);
}

function transcription(status: string, details: string) {
  return {
    transcriptionUpdate: { transcriptionStatus: status, transcriptionStatusDetails: details },
  };
}

function mediaStreaming(status: string, details: string) {
  return {
    mediaStreamingUpdate: {
      contentType: 'Audio',
      mediaStreamingStatus: status,
      mediaStreamingStatusDetails: details,
    },
  };
}

/** What RecognizeCompleted carries for each recognitionType: one result field, its code. */
function recognizeCompletedDefaults(
  recognitionType: string | undefined,
): CallEventDataMap['RecognizeCompleted'] {
  switch (recognitionType) {
    case 'choices':
      return {
        recognitionType,
        choiceResult: { label: 'yes', recognizedPhrase: 'yes', confidence: 0.92 },
        resultInformation: resultCodes.recognizeSpeechOptionMatched,
      };
    case 'speech':
      return {
        recognitionType,
        speechResult: { speech: 'yes', confidence: 0.92 },
        resultInformation: resultCodes.recognizeSpeechRecognized,
      };
    default:
      return {
        recognitionType: 'dtmf',
        dtmfResult: { tones: ['one'] },
        resultInformation: resultCodes.recognizeMaxDigitsReceived,
      };
  }
}

/**
 * What each kind carries when the caller gives nothing: the realistic common case. A default
 * may look at what was given (RecognizeCompleted's result follows its recognitionType).
 */
const KIND_DEFAULTS: {
  [K in CallAutomationEventKind]: (given: CallEventDataMap[K]) => CallEventDataMap[K];
} = {
  AddParticipantSucceeded: () => ({
    participant: someUser(),
    resultInformation: resultCodes.successWithoutMessage,
  }),
  AddParticipantFailed: () => ({
    participant: someUser(),
    resultInformation: resultCodes.calleeNoAnswer,
  }),
  RemoveParticipantSucceeded: () => ({
    participant: someUser(),
    resultInformation: resultCodes.successWithoutMessage,
  }),
  RemoveParticipantFailed: () => ({
    participant: someUser(),
    resultInformation: resultCodes.notFound,
  }),
  MoveParticipantSucceeded: () => ({
    participant: someUser(),
    fromCall: randomUUID(),
    resultInformation: success,
  }),
  MoveParticipantFailed: () => ({
    participant: someUser(),
    fromCall: randomUUID(),
    resultInformation: resultCodes.notFound,
  }),
  CallConnected: () => ({ resultInformation: resultCodes.successWithoutMessage }),
  CallDisconnected: () => ({ resultInformation: resultCodes.callEnded }),
  CallTransferAccepted: () => ({
    transferTarget: someUser(),
    transferee: someUser(),
    resultInformation: resultCodes.transferAccepted,
  }),
  CallTransferFailed: () => ({ resultInformation: resultCodes.calleeNoAnswer }),
  ParticipantsUpdated: () => ({
    participants: [],
    sequenceNumber: 1,
    resultInformation: resultCodes.successWithoutMessage,
  }),
  RecordingStateChanged: () => ({
    recordingId: newRecordingId(),
    state: 'active',
    startDateTime: new Date().toISOString(),
    recordingKind: 'azureCommunicationServices',
  }),
  PlayStarted: () => ({ resultInformation: success }),
  PlayCompleted: () => ({ resultInformation: success }),
  PlayFailed: () => ({
    resultInformation: resultCodes.playFileDownloadFailed,
    failedPlaySourceIndex: 0,
  }),
  PlayCanceled: () => ({ resultInformation: resultCodes.operationCanceled }),
  // The result field and code follow the recognitionType given (dtmf when none is).
  RecognizeCompleted: (given) => recognizeCompletedDefaults(given.recognitionType),
  RecognizeCanceled: () => ({ resultInformation: resultCodes.operationCanceled }),
  RecognizeFailed: () => ({ resultInformation: resultCodes.recognizeInitialSilenceTimeout }),
  ContinuousDtmfRecognitionToneReceived: () => ({
    tone: 'one',
    sequenceId: 1,
    resultInformation: success,
  }),
  ContinuousDtmfRecognitionToneFailed: () => ({ resultInformation: resultCodes.internalError }),
  ContinuousDtmfRecognitionStopped: () => ({
    resultInformation: resultCodes.continuousDtmfStopped,
  }),
  SendDtmfTonesCompleted: () => ({ resultInformation: resultCodes.successWithoutMessage }),
  SendDtmfTonesFailed: () => ({ resultInformation: resultCodes.participantNotPresent }),
  CancelAddParticipantSucceeded: () => {
    const participant = someUser();
    return {
      invitationId: randomUUID(),
      resultInformation: addParticipantCanceled(participant.rawId ?? ''),
    };
  },
  CancelAddParticipantFailed: () => ({
    invitationId: randomUUID(),
    resultInformation: resultCodes.notFound,
  }),
  TranscriptionStarted: () => ({
    ...transcription('transcriptionStarted', 'subscriptionStarted'),
    resultInformation: success,
  }),
  TranscriptionStopped: () => ({
    ...transcription('transcriptionStopped', 'subscriptionStopped'),
    resultInformation: success,
  }),
  TranscriptionUpdated: () => ({
    ...transcription('transcriptionUpdated', 'transcriptionLocaleUpdated'),
    resultInformation: success,
  }),
  TranscriptionFailed: () => ({
    ...transcription('transcriptionFailed', 'unspecifiedError'),
    resultInformation: resultCodes.transcriptionFailed,
  }),
  CreateCallFailed: () => ({ resultInformation: resultCodes.calleeNoAnswer }),
  AnswerFailed: () => ({ resultInformation: resultCodes.incomingCallNotAnsweredInTime }),
  HoldFailed: () => ({ resultInformation: resultCodes.participantNotPresent }),
  ConnectFailed: () => ({ resultInformation: resultCodes.notFound }),
  MediaStreamingStarted: () => ({
    ...mediaStreaming('mediaStreamingStarted', 'subscriptionStarted'),
    resultInformation: success,
  }),
  MediaStreamingStopped: () => ({
    ...mediaStreaming('mediaStreamingStopped', 'subscriptionStopped'),
    resultInformation: success,
  }),
  MediaStreamingFailed: () => ({
    ...mediaStreaming('mediaStreamingFailed', 'streamConnectionUnsuccessful'),
    resultInformation: resultCodes.mediaStreamingFailed,
  }),
  StartRecordingFailed: () => ({
    recordingId: newRecordingId(),
    resultInformation: resultCodes.internalError,
  }),
};

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>;
}

/**
 * Builds the complete CloudEvent of any kind. Fields not given get realistic defaults: new ids
 * for `callConnectionId`, `serverCallId` and `correlationId`, the kind's usual
 * `resultInformation` and own fields, and the `version` and `publicEventType` every live event
 * carries. `operationContext` is only present when given, as with
 * a request that carried none.
 */
export function callEvent<K extends CallAutomationEventKind>(
  kind: K,
  data: CallEventDataMap[K] = {},
  envelope?: EnvelopeOverrides,
): CallEventOf<K> {
  const complete = {
    version: EVENT_DATA_VERSION,
    callConnectionId: randomUUID(),
    serverCallId: newServerCallId(),
    correlationId: randomUUID(),
    publicEventType: `${CALL_AUTOMATION_TYPE_PREFIX}${kind}`,
    ...KIND_DEFAULTS[kind](data),
    ...definedOnly(data),
  } as CallEventDataMap[K] & { callConnectionId: string };
  return wrapInCloudEvent(kind, complete, envelope);
}

function factory<K extends CallAutomationEventKind>(kind: K) {
  return (data?: CallEventDataMap[K], envelope?: EnvelopeOverrides): CallEventOf<K> =>
    callEvent(kind, data, envelope);
}

/**
 * One factory per event kind. Each returns a complete CloudEvent envelope that
 * `parseCallAutomationEvent` accepts; post `[event]` to a webhook or pass it to
 * `EventProcessorService.processEvents`.
 *
 * ```ts
 * const played = callEvents.playCompleted({ callConnectionId: 'c1', operationContext: 'greeting' });
 * ```
 */
export const callEvents = {
  addParticipantSucceeded: factory('AddParticipantSucceeded'),
  addParticipantFailed: factory('AddParticipantFailed'),
  removeParticipantSucceeded: factory('RemoveParticipantSucceeded'),
  removeParticipantFailed: factory('RemoveParticipantFailed'),
  moveParticipantSucceeded: factory('MoveParticipantSucceeded'),
  moveParticipantFailed: factory('MoveParticipantFailed'),
  callConnected: factory('CallConnected'),
  callDisconnected: factory('CallDisconnected'),
  callTransferAccepted: factory('CallTransferAccepted'),
  callTransferFailed: factory('CallTransferFailed'),
  participantsUpdated: factory('ParticipantsUpdated'),
  recordingStateChanged: factory('RecordingStateChanged'),
  playStarted: factory('PlayStarted'),
  playCompleted: factory('PlayCompleted'),
  playFailed: factory('PlayFailed'),
  playCanceled: factory('PlayCanceled'),
  recognizeCompleted: factory('RecognizeCompleted'),
  recognizeCanceled: factory('RecognizeCanceled'),
  recognizeFailed: factory('RecognizeFailed'),
  continuousDtmfRecognitionToneReceived: factory('ContinuousDtmfRecognitionToneReceived'),
  continuousDtmfRecognitionToneFailed: factory('ContinuousDtmfRecognitionToneFailed'),
  continuousDtmfRecognitionStopped: factory('ContinuousDtmfRecognitionStopped'),
  sendDtmfTonesCompleted: factory('SendDtmfTonesCompleted'),
  sendDtmfTonesFailed: factory('SendDtmfTonesFailed'),
  cancelAddParticipantSucceeded: factory('CancelAddParticipantSucceeded'),
  cancelAddParticipantFailed: factory('CancelAddParticipantFailed'),
  transcriptionStarted: factory('TranscriptionStarted'),
  transcriptionStopped: factory('TranscriptionStopped'),
  transcriptionUpdated: factory('TranscriptionUpdated'),
  transcriptionFailed: factory('TranscriptionFailed'),
  createCallFailed: factory('CreateCallFailed'),
  answerFailed: factory('AnswerFailed'),
  holdFailed: factory('HoldFailed'),
  connectFailed: factory('ConnectFailed'),
  mediaStreamingStarted: factory('MediaStreamingStarted'),
  mediaStreamingStopped: factory('MediaStreamingStopped'),
  mediaStreamingFailed: factory('MediaStreamingFailed'),
  startRecordingFailed: factory('StartRecordingFailed'),
} as const;

/** Every kind a factory exists for, in the SDK parser's order. */
export const CALL_AUTOMATION_EVENT_KINDS = Object.keys(KIND_DEFAULTS) as CallAutomationEventKind[];
