import type { CallEvent, UnknownCallEvent } from './call-event.types';

/**
 * What `waitForEvent` can wait for: every given field must match.
 * `kind` may list several kinds; `'*'` (or no kind) accepts every kind.
 */
export interface CallEventFilter {
  callConnectionId?: string;
  operationContext?: string;
  kind?: string | readonly string[];
}

/**
 * Matches when it returns a truthy value, as with `Array.prototype.find`
 * (`e => e.kind === 'PlayCompleted' && e.operationContext` matches events that have a context).
 */
export type CallEventPredicate = (event: CallEvent | UnknownCallEvent) => unknown;

/** A filter checked once at the door: kinds as a set, `'*'` folded into "any kind". */
export interface NormalizedFilter {
  callConnectionId?: string;
  operationContext?: string;
  /** `undefined` = any kind. */
  kinds?: ReadonlySet<string>;
}

const FILTER_KEYS = new Set(['callConnectionId', 'operationContext', 'kind']);

/** Validates a filter as a user wrote it; throws a TypeError that names the bad field. */
export function normalizeFilter(filter: CallEventFilter): NormalizedFilter {
  for (const key of Object.keys(filter)) {
    if (!FILTER_KEYS.has(key)) {
      throw new TypeError(
        `waitForEvent: unknown filter field '${key}'. A filter takes callConnectionId, operationContext and kind; pass a function to match on anything else.`,
      );
    }
  }
  const normalized: NormalizedFilter = {};
  for (const field of ['callConnectionId', 'operationContext'] as const) {
    const value = filter[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '') {
      throw new TypeError(
        `waitForEvent: filter.${field} must be a non-empty string, got ${describeValue(value)}.`,
      );
    }
    normalized[field] = value;
  }
  if (filter.kind !== undefined) {
    const kinds = typeof filter.kind === 'string' ? [filter.kind] : filter.kind;
    if (!Array.isArray(kinds) || kinds.length === 0) {
      throw new TypeError(
        `waitForEvent: filter.kind must be a kind or a non-empty list of kinds, got ${describeValue(filter.kind)}.`,
      );
    }
    for (const kind of kinds) {
      if (typeof kind !== 'string' || kind === '') {
        throw new TypeError(
          `waitForEvent: every filter.kind must be a non-empty string, got ${describeValue(kind)}.`,
        );
      }
    }
    if (!kinds.includes('*')) normalized.kinds = sharedKindSet(kinds);
  }
  return normalized;
}

/**
 * Kind sets are read-only, and apps wait for the same few lists over and over: one set per
 * distinct list, shared by every filter that names it, saves each pending waiter a Set (two heap
 * objects the garbage collector walks). Bounded, so arbitrary lists cannot grow it.
 */
const kindSets = new Map<string, ReadonlySet<string>>();
const MAX_SHARED_KIND_SETS = 1_024;

function sharedKindSet(kinds: readonly string[]): ReadonlySet<string> {
  const key = kinds.join('\u0000');
  let set = kindSets.get(key);
  if (set === undefined) {
    set = new Set(kinds);
    if (kindSets.size < MAX_SHARED_KIND_SETS) kindSets.set(key, set);
  }
  return set;
}

/** The event's operationContext; some kinds (ParticipantsUpdated, RecordingStateChanged) have none. */
export function operationContextOf(event: CallEvent | UnknownCallEvent): string | undefined {
  const context = (event as { operationContext?: unknown }).operationContext;
  return typeof context === 'string' ? context : undefined;
}

/** Whether an event passes a filter. */
export function matchesFilter(
  filter: NormalizedFilter,
  event: CallEvent | UnknownCallEvent,
): boolean {
  return matchesFilterKeys(filter, event.callConnectionId, operationContextOf(event), event.kind);
}

/**
 * Whether an event with these fields passes a filter: the three a filter reads, for callers
 * that keep them apart from the event (the backlog's index keys).
 */
export function matchesFilterKeys(
  filter: NormalizedFilter,
  callConnectionId: string | undefined,
  operationContext: string | undefined,
  kind: string,
): boolean {
  return (
    (filter.callConnectionId === undefined || filter.callConnectionId === callConnectionId) &&
    (filter.operationContext === undefined || filter.operationContext === operationContext) &&
    (filter.kinds === undefined || filter.kinds.has(kind))
  );
}

/** `PlayCompleted|PlayFailed for call c1, operationContext op1`: used in error messages. */
export function describeFilter(filter: NormalizedFilter): string {
  const kinds = filter.kinds ? [...filter.kinds].join('|') : 'any event';
  const where: string[] = [];
  if (filter.callConnectionId !== undefined) where.push(`call ${filter.callConnectionId}`);
  if (filter.operationContext !== undefined) {
    where.push(`operationContext ${filter.operationContext}`);
  }
  return where.length > 0 ? `${kinds} for ${where.join(', ')}` : kinds;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return value === '' ? 'an empty string' : `the string '${value.slice(0, 40)}'`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
