import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '../library-types';

/** Prefix of every Call Automation CloudEvent `type`. */
export const CALL_AUTOMATION_TYPE_PREFIX = 'Microsoft.Communication.';

/**
 * A complete CloudEvents 1.0 envelope of a Call Automation event, as ACS posts it. The index
 * signature stands for CloudEvents extension attributes; it also lets the event be passed
 * where a `Record<string, unknown>` is expected (`parseCallAutomationEvent`).
 */
export interface CallAutomationCloudEvent<K extends string = string, D extends object = object>
  extends CloudEvent {
  [extension: string]: unknown;
  id: string;
  type: `${typeof CALL_AUTOMATION_TYPE_PREFIX}${K}`;
  source: string;
  subject: string;
  time: string;
  specversion: '1.0';
  datacontenttype: 'application/json';
  data: D & Record<string, unknown>;
}

/** Envelope fields a factory fills in by itself; give them to pin a value. */
export interface EnvelopeOverrides {
  /** CloudEvent id, the de-duplication key. Default: a new UUID. */
  id?: string;
  /** ISO-8601 time, or a Date (written as ACS writes times). Default: now. */
  time?: string | Date;
  /** Default: `calling/callConnections/{callConnectionId}`. */
  source?: string;
  /** Default: same as `source`. */
  subject?: string;
}

/** Wraps `data` in the CloudEvent envelope ACS uses for `Microsoft.Communication.<kind>`. */
export function wrapInCloudEvent<K extends string, D extends object>(
  kind: K,
  data: D & { callConnectionId?: string },
  envelope: EnvelopeOverrides = {},
): CallAutomationCloudEvent<K, D> {
  const source = envelope.source ?? `calling/callConnections/${data.callConnectionId ?? ''}`;
  const time = envelope.time ?? new Date();
  return {
    id: envelope.id ?? randomUUID(),
    source,
    subject: envelope.subject ?? source,
    type: `${CALL_AUTOMATION_TYPE_PREFIX}${kind}`,
    specversion: '1.0',
    time: typeof time === 'string' ? time : wireTime(time),
    datacontenttype: 'application/json',
    data: data as D & Record<string, unknown>,
  };
}

/**
 * A time as ACS writes it: seven fractional digits and `+00:00`
 * (`2025-06-16T20:52:32.9896642+00:00`), not JavaScript's `…32.989Z`.
 */
export function wireTime(date: Date): string {
  return date.toISOString().replace('Z', '0000+00:00');
}

/** A server call id shaped like ACS's (base64 of a conversation URL). */
export function newServerCallId(): string {
  const url = `https://api.flightproxy.skype.com/api/v2/cp/conv-emulator.conv.skype.com/conv/${randomUUID()}?i=1`;
  return Buffer.from(url).toString('base64');
}
