import type { CallAutomationEvent } from '@azure/communication-call-automation';
import type { IncomingCall } from './incoming-call.event';
import type { MediaCallEvent, MediaCallEventKind } from './media-call-events';

/** Every event the SDK's `parseCallAutomationEvent` knows, with the SDK's own types. */
export type KnownCallAutomationEvent = CallAutomationEvent;

/** `kind` of an event the SDK knows (`'CallConnected'`, `'PlayCompleted'`, ...). */
export type KnownCallEventKind = KnownCallAutomationEvent['kind'];

/**
 * Every kind this library names: the SDK's kinds, Event Grid's `IncomingCall`, and the media
 * WebSocket's `TranscriptionData` and `DtmfData`.
 */
export type CallEventKind = KnownCallEventKind | 'IncomingCall' | MediaCallEventKind;

/**
 * An event whose type the SDK does not know (a newer service version, a preview feature):
 * `{ ...data, kind: <type without 'Microsoft.Communication.'> }`.
 */
export interface UnknownCallEvent {
  kind: string;
  callConnectionId?: string;
  serverCallId?: string;
  correlationId?: string;
  operationContext?: string;
  [field: string]: unknown;
}

/** What handlers and waiters receive. */
export type CallEvent = KnownCallAutomationEvent | IncomingCall | MediaCallEvent;

/** Any event that reaches the processor: one this library knows, or one it does not. */
export type AnyCallEvent = CallEvent | UnknownCallEvent;

/** The event type for a kind: `CallEventOfKind<'PlayCompleted'>` is the SDK's `PlayCompleted`. */
export type CallEventOfKind<K extends string> = K extends KnownCallEventKind
  ? Extract<KnownCallAutomationEvent, { kind: K }>
  : K extends 'IncomingCall'
    ? IncomingCall
    : K extends MediaCallEventKind
      ? Extract<MediaCallEvent, { kind: K }>
      : UnknownCallEvent;

/** The CloudEvent envelope of an event: what `parseCallAutomationEvent` drops. */
export interface CallEventMetadata {
  /** CloudEvent `id`: unique per event, the key for de-duplication. */
  id: string;
  /** CloudEvent `type`, e.g. `Microsoft.Communication.PlayCompleted`. */
  type: string;
  source?: string;
  subject?: string;
  /** CloudEvent `time` (ISO-8601), when given. */
  time?: string;
}
