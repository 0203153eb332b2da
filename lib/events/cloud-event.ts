import { isUtf8 } from 'node:buffer';
import { CallAutomationEventError } from '../errors/call-automation-event.error';
import { describeValue } from './event-filter';

/** A CloudEvents 1.0 event as ACS posts it (one element of the batch). */
export interface CloudEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  source?: string;
  subject?: string;
  time?: string;
  specversion?: string;
  datacontenttype?: string;
}

/**
 * Strict UTF-8 (invalid bytes are an error, not U+FFFD), a leading BOM ignored as RFC 8259
 * allows; Buffer's native check and decoder are the fast path.
 */
function decodeUtf8(bytes: Uint8Array): string {
  if (!isUtf8(bytes)) throw new TypeError('The body is not valid UTF-8');
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return Buffer.from(bytes.buffer, bytes.byteOffset + bom, bytes.byteLength - bom).toString('utf8');
}

/**
 * Reads what ACS posts (a CloudEvent array, one CloudEvent, or their JSON text or bytes) and
 * checks every entry. Throws `CallAutomationEventError` for the first problem: a batch is
 * accepted whole or not at all.
 */
export function readCloudEvents(body: unknown): CloudEvent[] {
  const value = parseJsonBody(body);
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) checkCloudEvent(value[index], index);
    return value as CloudEvent[];
  }
  checkCloudEvent(value, undefined);
  return [value as CloudEvent];
}

/** JSON text or UTF-8 bytes parsed (CallAutomationEventError when invalid); other values as they are. */
export function parseJsonBody(body: unknown): unknown {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body;
  const text = jsonTextOf(body);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidJson(error);
  }
}

/** The text of a JSON body given as text or as UTF-8 bytes (CallAutomationEventError when invalid). */
export function jsonTextOf(body: string | Uint8Array): string {
  if (typeof body === 'string') return body;
  try {
    return decodeUtf8(body);
  } catch (error) {
    throw invalidJson(error);
  }
}

function invalidJson(error: unknown): CallAutomationEventError {
  return new CallAutomationEventError(
    `The body is not valid JSON (${(error as Error).message}). Send a CloudEvent or a JSON array of CloudEvents.`,
  );
}

function checkCloudEvent(entry: unknown, index: number | undefined): void {
  const where = index === undefined ? 'The event' : `Entry ${index} of the batch`;
  const problem = findEnvelopeProblem(entry);
  if (problem !== undefined) {
    throw new CallAutomationEventError(
      `${where} is not a CloudEvent: ${problem}. A CloudEvent needs a non-empty string id, a non-empty string type and an object data; nothing of this batch was dispatched.`,
      index,
    );
  }
}

/**
 * What is wrong with an event envelope, or undefined: it must be an object with a non-empty
 * string `id`, a non-empty string type field (`type` for CloudEvents, `eventType` for the
 * Event Grid schema) and an object `data`.
 */
export function findEnvelopeProblem(
  entry: unknown,
  typeField: 'type' | 'eventType' = 'type',
): string | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return `it is ${describeValue(entry)}`;
  }
  const record = entry as Record<string, unknown>;
  const { id, data } = record;
  const type = record[typeField];
  if (typeof id !== 'string' || id === '') return `id is ${describeMissing(id)}`;
  if (typeof type !== 'string' || type === '') return `${typeField} is ${describeMissing(type)}`;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return `data is ${describeMissing(data)}`;
  }
  return undefined;
}

function describeMissing(value: unknown): string {
  return value === undefined ? 'missing' : describeValue(value);
}
