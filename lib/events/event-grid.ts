import { CallAutomationEventError } from '../errors/call-automation-event.error';
import { type CloudEvent, findEnvelopeProblem, readCloudEvents } from './cloud-event';

export const SUBSCRIPTION_VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';

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

/** The validation code of a subscription handshake (Event Grid schema), if this is one. */
export function findValidationCode(body: unknown): string | undefined {
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
  const entries = Array.isArray(body) ? body : [body];
  const first = entries[0];
  const isEventGridSchema =
    typeof first === 'object' &&
    first !== null &&
    'eventType' in first &&
    !('specversion' in first);
  if (!isEventGridSchema) return readCloudEvents(body);
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
