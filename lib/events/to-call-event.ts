import { isDeepStrictEqual } from 'node:util';
import { parseCallAutomationEvent } from '@azure/communication-call-automation';
import { Logger } from '@nestjs/common';
import type {
  CallEvent,
  CallEventMetadata,
  KnownCallEventKind,
  UnknownCallEvent,
} from './call-event.types';
import type { CloudEvent } from './cloud-event';
import { COMMUNICATION_TYPE_PREFIX, kindOfType } from './event-type';
import { isKnownCallEventKind, KNOWN_CALL_EVENT_KINDS } from './known-event-kinds';

/**
 * Kinds whose data the SDK's parser converts (wire identifiers become SDK identifiers). For
 * every other kind the parser's result is `{ ...data, kind }`: its deserializer passes `data`
 * (mapper type "any") through untouched. Those kinds skip the SDK's generic deserializer,
 * which costs about 10 µs per event; `fastPathMismatches` checks once per process that the
 * installed SDK still gives the same result.
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
  const known = cloudEvent.type.startsWith(COMMUNICATION_TYPE_PREFIX) && isKnownCallEventKind(kind);
  if (!known || (!CONVERTED_KINDS.has(kind) && fastPathMismatches().length === 0)) {
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

/** Set on first use by `fastPathMismatches`: a fact of the installed SDK, the same for every module. */
let mismatches: readonly KnownCallEventKind[] | undefined;

/**
 * The kinds that skip the SDK's parser for which the installed SDK does not give exactly
 * `{ ...data, kind }` (none, for the SDK this library is tested with). Checked once per
 * process, on first use; if a future SDK converts more, every known kind goes through the SDK
 * (slower, same results), and a warning says so once.
 */
export function fastPathMismatches(): readonly KnownCallEventKind[] {
  if (mismatches === undefined) {
    mismatches = findFastPathMismatches();
    if (mismatches.length > 0) {
      new Logger('CallAutomation').warn(
        `The installed @azure/communication-call-automation parses ${mismatches.join(', ')} differently than expected; every event now goes through its parser (slower, same results).`,
      );
    }
  }
  return mismatches;
}

/** Parses data full of identifier-like fields with the SDK, for every kind that skips it. */
function findFastPathMismatches(): KnownCallEventKind[] {
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
  return KNOWN_CALL_EVENT_KINDS.filter((kind) => {
    if (CONVERTED_KINDS.has(kind)) return false;
    const cloudEvent: CloudEvent = {
      id: 'check',
      source: 'check',
      type: COMMUNICATION_TYPE_PREFIX + kind,
      data: structuredClone(data),
    };
    try {
      return !isDeepStrictEqual(parseWithSdk(cloudEvent), { ...cloudEvent.data, kind });
    } catch {
      return true;
    }
  });
}
