import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '../events/cloud-event';
import { COMMUNICATION_TYPE_PREFIX } from '../events/event-type';
import type { MediaCallEvent } from '../events/media-call-events';

/**
 * A TranscriptionData or DtmfData of the media WebSocket as a CloudEvent, so it takes the
 * webhook events' path (processEvents -> the bus -> every replica's waiters, one replica's
 * handlers). Its id is new (the WebSocket has none): dedupe never drops one. Its data is the
 * event without `kind`, which the processor reads back as `{ ...data, kind }`: the same event
 * on every replica.
 */
export function mediaCloudEvent(event: MediaCallEvent): CloudEvent {
  const { kind, ...data } = event;
  const source = `calling/callConnections/${event.callConnectionId}`;
  return {
    specversion: '1.0',
    id: randomUUID(),
    type: COMMUNICATION_TYPE_PREFIX + kind,
    source,
    subject: source,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: data as unknown as Record<string, unknown>,
  };
}
