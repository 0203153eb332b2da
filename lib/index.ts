export { CallAutomationModule } from './call-automation.module';
export { AwaitableCallConnection } from './client/awaitable-call-connection';
export { AwaitableCallMedia } from './client/awaitable-call-media';
export type { Awaitable, AwaitableOperation, OperationResult } from './client/awaitable-operation';
export { CallAutomationService, type WithCallbackUrl } from './client/call-automation.service';
export {
  OPERATION_EVENTS,
  type OperationEvents,
  type OperationName,
} from './client/operation-events';
export type { CommunicationIdentifier } from './client/sdk-types';
export { CALL_AUTOMATION_OPTIONS, EVENT_EMITTER_PREFIX } from './constants';
export { OnCallEvent } from './decorators/on-call-event.decorator';
export { OnMediaStream } from './decorators/on-media-stream.decorator';
export * from './errors';
export type {
  CallEvent,
  CallEventKind,
  CallEventMetadata,
  CallEventOfKind,
  KnownCallAutomationEvent,
  KnownCallEventKind,
  UnknownCallEvent,
} from './events/call-event.types';
export type { CloudEvent } from './events/cloud-event';
export type { CallEventFilter, CallEventPredicate } from './events/event-filter';
export type { IncomingCall, WireCommunicationIdentifier } from './events/incoming-call.event';
export { KNOWN_CALL_EVENT_KINDS } from './events/known-event-kinds';
export type {
  DtmfDataEvent,
  MediaCallEvent,
  MediaCallEventKind,
  TranscriptionDataEvent,
} from './events/media-call-events';
export { parseCallEvent } from './events/parse-call-event';
export type { MediaStreamSession } from './media/media-stream-session';
export {
  MalformedStreamingMessageError,
  parseStreamingMessage,
  type StreamingMessage,
  type UnknownStreamingMessage,
} from './media/streaming-message';
export type {
  CallAutomationModuleOptions,
  CallAutomationRedisOptions,
  CallbackAuthOptions,
  EntraAuthOptions,
  IncomingCallAuthOptions,
  MediaStreamingOptions,
  QuerySecretOptions,
  RedisNode,
} from './options/call-automation-options.interface';
export type { ProcessorSnapshot } from './processor/call-event-matcher';
export { EventProcessorService, type ProcessSummary } from './processor/event-processor.service';
export type { EventResult } from './processor/event-result';
export type { OngoingEventHandler } from './processor/ongoing-handler-registry';
export type { OperationSpec, PendingOperation } from './processor/pending-operation';
export type { WaitOptions } from './processor/waiter';
export {
  CallSession,
  type CallSessionInit,
  type SessionAddParticipantOptions,
  type SessionOperationOptions,
  type SessionPlayOptions,
  type SessionRecordingOptions,
  type SessionRemoveParticipantOptions,
  type SessionStartRecordingOptions,
  type SessionTransferOptions,
} from './session/call-session';
export { OperationHandle, StoppableOperationHandle } from './session/operation-handle';
export { PlaybackHandle } from './session/playback-handle';
export { PromptMachine, type PromptMachineConfig, type PromptStep } from './session/prompt-machine';
export type {
  DtmfToneName,
  MatchedAnswer,
  PlaySource,
  PromptAnswer,
  PromptChoice,
  PromptOptions,
  UnansweredPrompt,
} from './session/prompt-options';
export {
  RECOGNIZE_FAILURE_SUBCODES,
  type RecognizeOutcome,
  readRecognizeOutcome,
} from './session/recognize-outcome';
