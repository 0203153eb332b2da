import type { CloudEvent } from '../events/cloud-event';
import { metadataOf, toCallEvent } from '../events/to-call-event';
import type { ReceivedEvent } from './call-event-bus.interface';

/**
 * The JSON text of one CloudEvent for the stream: the text it arrived in when there is one
 * (a CloudEvent, or a batch of exactly this one event, whose brackets come off), else the
 * CloudEvent serialised.
 *
 * This and `decodeStreamPayload` are the only places of the Redis bus that know of
 * `ReceivedEvent.source` (the text an event arrived in): dropping that optimisation changes
 * this file alone.
 */
export function eventTextOf(received: ReceivedEvent): string {
  const text = cloudEventTextOf(received);
  if (received.traceparent === undefined) return text;
  // The trace context of the webhook span travels inside the event, as the CloudEvents
  // distributed-tracing extension attribute: every replica's spans can link to it. Put last,
  // so that it wins over one the sender may have given (JSON's last key wins).
  return `${text.trimEnd().slice(0, -1)},"traceparent":${JSON.stringify(received.traceparent)}}`;
}

function cloudEventTextOf(received: ReceivedEvent): string {
  const source = received.source?.trim();
  if (source === undefined) return JSON.stringify(received.cloudEvent);
  return source.startsWith('[') ? source.slice(1, -1) : source;
}

/**
 * The events of a stream entry's payload, parsed again. Throws a SyntaxError when the payload
 * is not JSON (an entry written by something else).
 */
export function decodeStreamPayload(payload: string): ReceivedEvent[] {
  const cloudEvents = JSON.parse(payload) as CloudEvent[];
  // An entry of one event is that event's text, for the backlog (see ReceivedEvent.source).
  const source = cloudEvents.length === 1 ? payload : undefined;
  return cloudEvents.map((cloudEvent) => {
    // Parsed from the stream just now: the event may be its own data (no copy).
    const { event } = toCallEvent(cloudEvent, true);
    const received: ReceivedEvent = { event, metadata: metadataOf(cloudEvent), cloudEvent, source };
    const { traceparent } = cloudEvent as { traceparent?: unknown };
    if (typeof traceparent === 'string') received.traceparent = traceparent;
    return received;
  });
}
