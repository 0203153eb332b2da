import { CallAutomationEventError } from '../errors/call-automation-event.error';
import {
  type CloudEvent,
  findEnvelopeProblem,
  parseJsonBody,
  readCloudEvents,
} from './cloud-event';
import { describeValue } from './event-filter';
import { COMMUNICATION_TYPE_PREFIX, kindOfType } from './event-type';
import { isKnownCallEventKind } from './known-event-kinds';

export const SUBSCRIPTION_VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';
/** Event Grid's own events (validation, subscription deleted, ...): never dispatched. */
const EVENT_GRID_SYSTEM_PREFIX = 'Microsoft.EventGrid.';

/** An Event Grid event in the Event Grid schema. */
export interface EventGridEvent {
  id: string;
  eventType: string;
  data: Record<string, unknown>;
  topic?: string;
  subject?: string;
  eventTime?: string;
  dataVersion?: string;
  metadataVersion?: string;
}

/**
 * The validation code of a subscription handshake (Event Grid schema): a body that holds only
 * the validation event, as Event Grid sends it. Undefined for anything else.
 */
export function findValidationCode(body: unknown): string | undefined {
  if (Array.isArray(body) && body.length !== 1) return undefined;
  const first = Array.isArray(body) ? body[0] : body;
  if (typeof first !== 'object' || first === null) return undefined;
  const { eventType, data } = first as Partial<EventGridEvent>;
  if (eventType !== SUBSCRIPTION_VALIDATION_EVENT || typeof data !== 'object' || data === null)
    return undefined;
  const code = (data as { validationCode?: unknown }).validationCode;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

/**
 * Reads an Event Grid delivery, in the Event Grid schema or the CloudEvents schema, as
 * CloudEvents. A batch is accepted whole or not at all (CallAutomationEventError).
 */
export function readEventGridDelivery(body: unknown): CloudEvent[] {
  const value = parseJsonBody(body); // once: a JSON string that holds JSON is not a delivery
  if (typeof value !== 'object' || value === null) {
    throw new CallAutomationEventError(
      `The delivery is not an event: it is ${describeValue(value)}. Send an event or an array of them; nothing was dispatched.`,
    );
  }
  const entries = Array.isArray(value) ? value : [value];
  const first = entries[0];
  const isEventGridSchema =
    typeof first === 'object' &&
    first !== null &&
    'eventType' in first &&
    !('specversion' in first);
  if (!isEventGridSchema) return readCloudEvents(value);
  return entries.map((entry, index) => toCloudEvent(entry, index));
}

function toCloudEvent(entry: unknown, index: number): CloudEvent {
  const problem = findEnvelopeProblem(entry, 'eventType');
  if (problem !== undefined) {
    throw new CallAutomationEventError(
      `Entry ${index} of the delivery is not an Event Grid event: ${problem}. An Event Grid event needs a non-empty string id, a non-empty string eventType and an object data; nothing of this delivery was dispatched.`,
      index,
    );
  }
  const event = entry as EventGridEvent;
  const cloudEvent: CloudEvent = {
    id: event.id,
    type: event.eventType,
    data: event.data,
    specversion: '1.0',
  };
  if (typeof event.topic === 'string') cloudEvent.source = event.topic;
  if (typeof event.subject === 'string') cloudEvent.subject = event.subject;
  if (typeof event.eventTime === 'string') cloudEvent.time = event.eventTime;
  return cloudEvent;
}

/** The events of a delivery to hand on, and how many of Event Grid's own events were left out. */
export interface IncomingCallDelivery {
  events: CloudEvent[];
  skipped: number;
}

/**
 * What the incoming-call endpoint may dispatch of an Event Grid delivery. Event Grid's own
 * events are left out; a validation event outside the handshake, or a mid-call callback kind
 * (`Microsoft.Communication.CallConnected`, ...: those come only from ACS to the callback route,
 * where ACS's token is checked) makes the whole delivery invalid (CallAutomationEventError).
 */
export function selectIncomingCallEvents(events: readonly CloudEvent[]): IncomingCallDelivery {
  const selected: CloudEvent[] = [];
  for (let index = 0; index < events.length; index++) {
    const event = events[index] as CloudEvent;
    if (event.type === SUBSCRIPTION_VALIDATION_EVENT) {
      throw new CallAutomationEventError(
        `Entry ${index} of the delivery is a subscription validation event without the 'aeg-event-type: SubscriptionValidation' header; nothing of this delivery was dispatched.`,
        index,
      );
    }
    if (event.type.startsWith(EVENT_GRID_SYSTEM_PREFIX)) continue;
    if (
      event.type.startsWith(COMMUNICATION_TYPE_PREFIX) &&
      isKnownCallEventKind(kindOfType(event.type))
    ) {
      throw new CallAutomationEventError(
        `Entry ${index} of the delivery is a mid-call callback (${event.type}); the incoming-call endpoint takes Event Grid events such as Microsoft.Communication.IncomingCall, callbacks go to the callback route. Nothing of this delivery was dispatched.`,
        index,
      );
    }
    selected.push(event);
  }
  return { events: selected, skipped: events.length - selected.length };
}
