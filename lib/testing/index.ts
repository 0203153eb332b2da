export { AcsEmulator } from './emulator/acs-emulator';
export { EmulatedCallHandle, type ParticipantSnapshot } from './emulator/call-handle';
export type { CallConnectionState, CallDirection } from './emulator/call-state';
export {
  CallbackCollector,
  type CollectedEvent,
  type CollectedEventFilter,
  type CollectedRequest,
  type CollectorReply,
  type ReceivedCloudEvent,
} from './emulator/callback-collector';
export type { CallbackTokenOptions } from './emulator/callback-token-signer';
export type { DeliveryAttempt, DeliveryFilter } from './emulator/delivery-log';
export type { AcsEmulatorOptions } from './emulator/emulator-options';
export type {
  CloudEventsHandshakeResult,
  EventGridHandshakeResult,
} from './emulator/event-grid-client';
export { type EventHoldFilter, HeldEvents, type ReleaseOrder } from './emulator/held-events';
export { IncomingCallHandle, type PlaceIncomingCallOptions } from './emulator/incoming-call-handle';
export type { IncomingCallState } from './emulator/incoming-call-registry';
export type { EmulatorAuth } from './emulator/openid-documents';
export {
  type EmulatedOperation,
  FAILURE_EVENT_KIND,
  type FailureName,
  type FailureSpec,
  OPERATION_FAILURES,
} from './emulator/operation-catalog';
export type { EmulatedRecording } from './emulator/recording-registry';
export type { RestRequestRecord } from './emulator/rest-request-handler';
export {
  type OperationScript,
  type RestErrorScript,
  ScenarioScript,
} from './emulator/scenario-script';
export type {
  CallerInput,
  PartyAnswer,
  PartyScript,
  ScriptedPhrase,
} from './emulator/scripted-party';
export type { EmulatedStreamMessage } from './emulator/streaming/app-message-record';
export {
  EmulatedMediaStream,
  type EmulatedStreamKind,
  type EmulatedStreamState,
} from './emulator/streaming/emulated-media-stream';
export type { PartyAudio } from './emulator/streaming/speaker-audio';
export type {
  MediaStreamingConfig,
  TranscriptionConfig,
} from './emulator/streaming/streaming-config';
export {
  type AnyCallCloudEvent,
  CALL_AUTOMATION_EVENT_KINDS,
  type CallAutomationEventKind,
  type CallEventDataMap,
  type CallEventOf,
  callEvent,
  callEvents,
  type WireMoveParticipantData,
  type WireRecordingStateChangedData,
  type WireStartRecordingFailedData,
} from './events/call-events';
export {
  CALL_AUTOMATION_TYPE_PREFIX,
  type CallAutomationCloudEvent,
  type EnvelopeOverrides,
} from './events/cloud-event-envelope';
export {
  EMULATED_RESOURCE_TOPIC,
  type EventGridEnvelopeOverrides,
  type EventGridSchemaEvent,
  type IncomingCallEventData,
  incomingCallCloudEvent,
  incomingCallEvent,
  type SubscriptionValidationEventData,
  subscriptionValidationEvent,
} from './events/event-grid-events';
export {
  type ResultCodeName,
  resultCodes,
  type WireResultInformation,
} from './events/result-information';
export {
  communicationUser,
  identifierFromRawId,
  phoneNumber,
  type WireIdentifier,
} from './events/wire-identifiers';
export { LocalRedisCluster } from './redis/local-redis-cluster';
export { LocalRedisSentinel } from './redis/local-redis-sentinel';
export {
  freePort,
  LocalRedisServer,
  type LocalRedisServerOptions,
} from './redis/local-redis-server';
export { createTestCertificates, type TestCertificates } from './redis/test-certificates';
