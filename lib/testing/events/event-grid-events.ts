import { randomUUID } from 'node:crypto';
import {
  CALL_AUTOMATION_TYPE_PREFIX,
  type CallAutomationCloudEvent,
  type EnvelopeOverrides,
  newServerCallId,
  wrapInCloudEvent,
} from './cloud-event-envelope';
import { communicationUser, phoneNumber, rawIdOf, type WireIdentifier } from './wire-identifiers';

/** An event in the Event Grid schema, as Event Grid posts it (in an array). */
export interface EventGridSchemaEvent<D extends object = object> {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  dataVersion: string;
  metadataVersion: string;
  data: D;
}

/** `data` of `Microsoft.Communication.IncomingCall`. */
export interface IncomingCallEventData {
  to: WireIdentifier;
  from: WireIdentifier;
  serverCallId: string;
  callerDisplayName?: string;
  /** Opaque; pass it to answerCall, redirectCall or rejectCall. */
  incomingCallContext: string;
  correlationId: string;
  customContext?: { sipHeaders?: Record<string, string>; voipHeaders?: Record<string, string> };
  onBehalfOfCallee?: WireIdentifier;
}

/** `data` of `Microsoft.EventGrid.SubscriptionValidationEvent`. */
export interface SubscriptionValidationEventData {
  validationCode: string;
  validationUrl: string;
}

/** Event Grid envelope fields a factory fills in by itself. */
export interface EventGridEnvelopeOverrides {
  id?: string;
  topic?: string;
  subject?: string;
  eventTime?: string | Date;
}

/** The topic of the emulated Communication Services resource. */
export const EMULATED_RESOURCE_TOPIC =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/emulator/providers/Microsoft.Communication/communicationServices/acs-emulator';

/** Complete IncomingCall data; fields not given get realistic defaults. */
export function incomingCallData(data: Partial<IncomingCallEventData> = {}): IncomingCallEventData {
  const defined = Object.fromEntries(
    Object.entries(data).filter(([, value]) => value !== undefined),
  ) as Partial<IncomingCallEventData>;
  return {
    to: communicationUser(`8:acs:${randomUUID()}_${randomUUID()}`),
    from: phoneNumber('+15550100100'),
    serverCallId: newServerCallId(),
    callerDisplayName: '',
    incomingCallContext: `eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.${Buffer.from(randomUUID()).toString('base64url')}.`,
    correlationId: randomUUID(),
    customContext: { sipHeaders: {}, voipHeaders: {} },
    ...defined,
  };
}

function eventTime(value: string | Date | undefined): string {
  if (typeof value === 'string') return value;
  return (value ?? new Date()).toISOString();
}

/**
 * `Microsoft.Communication.IncomingCall` in the Event Grid schema: post `[event]` to the
 * incoming-call endpoint with header `aeg-event-type: Notification`.
 */
export function incomingCallEvent(
  data?: Partial<IncomingCallEventData>,
  envelope: EventGridEnvelopeOverrides = {},
): EventGridSchemaEvent<IncomingCallEventData> {
  const complete = incomingCallData(data);
  return {
    id: envelope.id ?? randomUUID(),
    topic: envelope.topic ?? EMULATED_RESOURCE_TOPIC,
    subject:
      envelope.subject ?? `/caller/${rawIdOf(complete.from)}/recipient/${rawIdOf(complete.to)}`,
    eventType: `${CALL_AUTOMATION_TYPE_PREFIX}IncomingCall`,
    eventTime: eventTime(envelope.eventTime),
    dataVersion: '1.0',
    metadataVersion: '1',
    data: complete,
  };
}

/** `Microsoft.Communication.IncomingCall` in the CloudEvents schema (Event Grid's other schema). */
export function incomingCallCloudEvent(
  data?: Partial<IncomingCallEventData>,
  envelope: EnvelopeOverrides = {},
): CallAutomationCloudEvent<'IncomingCall', IncomingCallEventData> {
  const complete = incomingCallData(data);
  return wrapInCloudEvent('IncomingCall', complete, {
    source: EMULATED_RESOURCE_TOPIC,
    subject: `/caller/${rawIdOf(complete.from)}/recipient/${rawIdOf(complete.to)}`,
    ...envelope,
  });
}

/**
 * The event Event Grid posts (alone, header `aeg-event-type: SubscriptionValidation`) when a
 * subscription is created; the endpoint answers 200 `{ validationResponse: validationCode }`.
 */
export function subscriptionValidationEvent(
  data: Partial<SubscriptionValidationEventData> = {},
  envelope: EventGridEnvelopeOverrides = {},
): EventGridSchemaEvent<SubscriptionValidationEventData> {
  const validationCode = data.validationCode ?? randomUUID().toUpperCase();
  return {
    id: envelope.id ?? randomUUID(),
    topic: envelope.topic ?? EMULATED_RESOURCE_TOPIC,
    subject: envelope.subject ?? '',
    eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
    eventTime: eventTime(envelope.eventTime),
    dataVersion: '2',
    metadataVersion: '1',
    data: {
      validationCode,
      validationUrl:
        data.validationUrl ??
        `https://rp-eastus.eventgrid.azure.net:553/eventsubscriptions/emulator/validate?id=${validationCode}&t=${new Date().toISOString()}`,
    },
  };
}
