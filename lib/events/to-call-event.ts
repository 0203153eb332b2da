import { parseCallAutomationEvent } from '@azure/communication-call-automation';
import type { CallEvent, CallEventMetadata, UnknownCallEvent } from './call-event.types';
import type { CloudEvent } from './cloud-event';
import { isKnownCallEventKind } from './known-event-kinds';

const TYPE_PREFIX = 'Microsoft.Communication.';

/** `Microsoft.Communication.PlayCompleted` -> `PlayCompleted`; other types stay whole. */
export function kindOfType(type: string): string {
  return type.startsWith(TYPE_PREFIX) ? type.slice(TYPE_PREFIX.length) : type;
}

export function metadataOf(cloudEvent: CloudEvent): CallEventMetadata {
  const metadata: CallEventMetadata = { id: cloudEvent.id, type: cloudEvent.type };
  if (typeof cloudEvent.source === 'string') metadata.source = cloudEvent.source;
  if (typeof cloudEvent.subject === 'string') metadata.subject = cloudEvent.subject;
  if (typeof cloudEvent.time === 'string') metadata.time = cloudEvent.time;
  return metadata;
}

export interface ConvertedEvent {
  event: CallEvent | UnknownCallEvent;
  /** Set when the SDK knows the type but could not parse the data (the raw data is used instead). */
  parseError?: Error;
}

/**
 * The SDK's own parse of one checked CloudEvent. The SDK reads only the first element of an
 * array, mutates its input and throws on types it does not know: so it gets one event at a
 * time, on a copy, and unknown types become `{ ...data, kind }` without it.
 */
export function toCallEvent(cloudEvent: CloudEvent): ConvertedEvent {
  const kind = kindOfType(cloudEvent.type);
  if (cloudEvent.type.startsWith(TYPE_PREFIX) && isKnownCallEventKind(kind)) {
    try {
      const event = parseCallAutomationEvent({
        id: cloudEvent.id,
        source: cloudEvent.source ?? '',
        type: cloudEvent.type,
        data: { ...cloudEvent.data },
      });
      return { event };
    } catch (error) {
      return {
        event: { ...cloudEvent.data, kind } as UnknownCallEvent,
        parseError: error as Error,
      };
    }
  }
  return { event: { ...cloudEvent.data, kind } as UnknownCallEvent };
}
