import { isDeepStrictEqual } from 'node:util';
import { parseCallAutomationEvent } from '@azure/communication-call-automation';
import type {
  CallEvent,
  CallEventMetadata,
  KnownCallEventKind,
  UnknownCallEvent,
} from './call-event.types';
import type { CloudEvent } from './cloud-event';
import { isKnownCallEventKind, KNOWN_CALL_EVENT_KINDS } from './known-event-kinds';

const TYPE_PREFIX = 'Microsoft.Communication.';

/**
 * Kinds whose data the SDK's parser converts (wire identifiers become SDK identifiers). For
 * every other kind the parser's result is `{ ...data, kind }`: its deserializer passes `data`
 * (mapper type "any") through untouched. Those kinds skip the SDK's generic deserializer,
 * which costs about 10 µs per event; `verifyFastPath` proves at start-up that the installed
 * SDK still gives the same result.
 */
const CONVERTED_KINDS: ReadonlySet<KnownCallEventKind> = new Set<KnownCallEventKind>([
  'AddParticipantSucceeded',
  'AddParticipantFailed',
  'RemoveParticipantSucceeded',
  'RemoveParticipantFailed',
  'MoveParticipantSucceeded',
  'MoveParticipantFailed',
  'ParticipantsUpdated',
]);

let fastPath = true;

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
 * The SDK's parse of one checked CloudEvent. The SDK reads only the first element of an array,
 * mutates its input and throws on types it does not know: so it gets one event at a time, on a
 * copy, and unknown types become `{ ...data, kind }` without it. `ownsData`: the CloudEvent was
 * just parsed from JSON and nobody else holds it, so its data may become the event itself.
 */
export function toCallEvent(cloudEvent: CloudEvent, ownsData = false): ConvertedEvent {
  const kind = kindOfType(cloudEvent.type);
  const known = cloudEvent.type.startsWith(TYPE_PREFIX) && isKnownCallEventKind(kind);
  if (!known || (fastPath && !CONVERTED_KINDS.has(kind))) {
    if (!ownsData) return { event: { ...cloudEvent.data, kind } as UnknownCallEvent };
    // Data parsed from JSON for this call alone: giving it its kind is the same object as the
    // copy (same keys, same order), without copying.
    const event = cloudEvent.data as UnknownCallEvent;
    event.kind = kind;
    return { event };
  }
  try {
    return { event: parseWithSdk(cloudEvent) };
  } catch (error) {
    return { event: { ...cloudEvent.data, kind } as UnknownCallEvent, parseError: error as Error };
  }
}

function parseWithSdk(cloudEvent: CloudEvent): CallEvent {
  return parseCallAutomationEvent({
    id: cloudEvent.id,
    source: cloudEvent.source ?? '',
    type: cloudEvent.type,
    data: { ...cloudEvent.data },
  });
}

/**
 * Checks, for every kind that skips the SDK, that the installed SDK's parser gives exactly
 * `{ ...data, kind }` for data full of identifier-like fields. If a future SDK converts more,
 * the fast path turns itself off. Returns the kinds that differed.
 */
export function verifyFastPath(): KnownCallEventKind[] {
  const identifier = {
    kind: 'communicationUser',
    rawId: '8:acs:u',
    communicationUser: { id: '8:acs:u' },
  };
  const data = {
    callConnectionId: 'c',
    serverCallId: 's',
    correlationId: 'r',
    operationContext: 'o',
    resultInformation: { code: 200, subCode: 0, message: 'ok' },
    participant: identifier,
    participants: [{ identifier, isMuted: false }],
    targetParticipant: identifier,
    transferTarget: identifier,
    transferee: identifier,
    startDateTime: '2026-01-01T00:00:00Z',
    time: '2026-01-01T00:00:00Z',
    kind: 'shadowed',
  };
  const differing = KNOWN_CALL_EVENT_KINDS.filter((kind) => {
    if (CONVERTED_KINDS.has(kind)) return false;
    const cloudEvent: CloudEvent = {
      id: 'check',
      source: 'check',
      type: TYPE_PREFIX + kind,
      data: structuredClone(data),
    };
    try {
      return !isDeepStrictEqual(parseWithSdk(cloudEvent), { ...cloudEvent.data, kind });
    } catch {
      return true;
    }
  });
  fastPath = differing.length === 0;
  return differing;
}
