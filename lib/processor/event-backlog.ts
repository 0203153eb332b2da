import type { AnyCallEvent } from '../events/call-event.types';
import type { CloudEvent } from '../events/cloud-event';
import { matchesFilterKeys, operationContextOf } from '../events/event-filter';
import { toCallEvent } from '../events/to-call-event';
import { survivesJson } from './json-round-trip';
import { SweepTimer } from './timer';
import type { Waiter } from './waiter';

/**
 * One unclaimed event. It sits in four doubly linked lists at once (all events, its call, its
 * operationContext, its kind), so that adding and removing it anywhere costs O(1) with no
 * queue object per list.
 *
 * The event itself is kept as JSON text: a busy webhook keeps thousands of unclaimed events
 * for seconds, and one flat string per event is far cheaper for the garbage collector than a
 * tree of objects (it made the webhook's CPU per request about a third higher). An event that
 * arrived alone as JSON text keeps that text instead of serialising it again: 179k instead of
 * 191k instructions per Fastify webhook request (bench/webhook-instructions, 9 windows of 5,000
 * requests each way; single windows spread by about ±15k). Filter waiters match on the index keys alone; the event is parsed back when a waiter
 * takes it, or when a predicate waiter needs to look at it.
 */
interface BacklogEntry {
  readonly sequence: number;
  /**
   * The event as JSON text, or the event itself when JSON cannot write it (a cycle) or would
   * give back a different event (Infinity, -0, a Date: see survivesJson).
   */
  readonly stored: string | AnyCallEvent;
  /** `stored` is the CloudEvent's text as received (a CloudEvent or a 1-element batch). */
  readonly storedAsCloudEvent: boolean;
  readonly expiresAt: number;
  /** What the entry counts against maxBytes: the length of its text. */
  readonly size: number;
  /** Index keys, copied at arrival: handlers may change the event object itself. */
  readonly kind: string;
  readonly call: string | undefined;
  readonly operationContext: string | undefined;
  removed: boolean;
  /**
   * [previous, next] in each list, at the list's offset (ALL, BY_CALL, ...). An array indexed
   * by number, not named fields picked by a variable key: those made every link update a slow
   * megamorphic property access (3k of 157k instructions per webhook request, in
   * bench/webhook-instructions when this was made; not measured again since).
   */
  readonly links: (BacklogEntry | undefined)[];
}

interface List {
  head?: BacklogEntry;
  tail?: BacklogEntry;
}

/**
 * Longest text an event came in that the backlog keeps as it is (ACS events are ~0.5–2 kB).
 * Past it the event is serialised: an envelope with large extra fields must not be kept.
 */
const MAX_SOURCE_CHARS = 8_192;

/** Offset of a list's [previous, next] pair in `BacklogEntry.links`. */
type Links = 0 | 2 | 4 | 6;
const ALL: Links = 0;
const BY_CALL: Links = 2;
const BY_OPERATION: Links = 4;
const BY_KIND: Links = 6;

/**
 * Events that no waiter took, kept `ttlMs` for a waiter that comes a little late (an event can
 * beat the REST response of the request that caused it).
 *
 * - Indexed by call, operationContext and kind, so a new filter waiter reads only its list.
 * - Oldest matching event first; an entry goes to one waiter only.
 * - One timer for the whole backlog (armed for the oldest entry), plus expiry checked on use.
 * - At most `maxEntries`, and at most `maxCharacters` of event text: past either the oldest
 *   entry is dropped (and counted in `evicted`); an event larger than the whole text bound is
 *   not kept at all.
 */
export class EventBacklog {
  /** Arrival order is expiry order. */
  private readonly all: List = {};
  private readonly byCall = new Map<string, List>();
  private readonly byOperation = new Map<string, List>();
  private readonly byKind = new Map<string, List>();
  private readonly timer = new SweepTimer(() => this.expire());
  private sequence = 0;
  private count = 0;
  private characters = 0;
  evicted = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly maxCharacters = Number.POSITIVE_INFINITY,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Characters of event text held (what maxBacklogBytes bounds). */
  get textSize(): number {
    return this.characters;
  }

  /**
   * Keeps an event no waiter took. `source`: the JSON text it arrived as, when that text holds
   * this event alone (a CloudEvent or a 1-element batch); kept instead of serialising again.
   */
  add(event: AnyCallEvent, source?: string): void {
    if (this.ttlMs <= 0 || this.maxEntries <= 0) return;
    const keepsSource = source !== undefined && source.length <= MAX_SOURCE_CHARS;
    const now = this.now();
    this.expireBefore(now);
    const call = typeof event.callConnectionId === 'string' ? event.callConnectionId : undefined;
    const text = keepsSource ? source : jsonOf(event);
    // Kept as an object when its JSON would give back a different event (Infinity, a Date...);
    // it still counts its JSON's length. One JSON cannot write (a cycle) counts as none.
    const stored = text !== undefined && (keepsSource || survivesJson(event)) ? text : event;
    const size = text?.length ?? 0;
    if (size > this.maxCharacters) {
      this.evicted++;
      return;
    }
    const entry: BacklogEntry = {
      sequence: this.sequence++,
      stored,
      storedAsCloudEvent: keepsSource,
      expiresAt: now + this.ttlMs,
      size,
      kind: event.kind,
      call,
      operationContext: operationContextOf(event),
      removed: false,
      links: [
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
      ],
    };
    append(this.all, entry, ALL);
    if (call !== undefined) append(listOf(this.byCall, call), entry, BY_CALL);
    if (entry.operationContext !== undefined) {
      append(listOf(this.byOperation, entry.operationContext), entry, BY_OPERATION);
    }
    append(listOf(this.byKind, entry.kind), entry, BY_KIND);
    this.count++;
    this.characters += size;
    while (this.count > this.maxEntries || this.characters > this.maxCharacters) {
      this.delete(this.all.head as BacklogEntry);
      this.evicted++;
    }
    this.timer.schedule(this.all.head?.expiresAt);
  }

  /** Removes and returns the oldest entry the waiter accepts. */
  take(waiter: Waiter): AnyCallEvent | undefined {
    this.expire();
    let found: BacklogEntry | undefined;
    for (const [list, links] of this.candidates(waiter)) {
      for (let entry = list?.head; entry !== undefined; entry = entry.links[links + 1]) {
        if (found !== undefined && entry.sequence > found.sequence) break;
        const accepted =
          waiter.filter !== undefined
            ? matchesFilterKeys(waiter.filter, entry.call, entry.operationContext, entry.kind)
            : waiter.accepts(restore(entry));
        if (accepted) {
          found = entry;
          break;
        }
        if (waiter.isSettled) return undefined; // its predicate threw
      }
    }
    if (found === undefined) return undefined;
    this.delete(found);
    return restore(found);
  }

  /** Forgets every entry of a call (it disconnected). */
  dropCall(callConnectionId: string): void {
    const list = this.byCall.get(callConnectionId);
    while (list?.head !== undefined) this.delete(list.head);
  }

  clear(): void {
    while (this.all.head !== undefined) this.delete(this.all.head);
  }

  /**
   * The lists that hold every entry a waiter could accept, each oldest first: the most selective
   * index the waiter names (one list per kind when it names only kinds).
   */
  private candidates(waiter: Waiter): [List | undefined, Links][] {
    const filter = waiter.filter;
    if (filter === undefined) return [[this.all, ALL]];
    if (filter.operationContext !== undefined) {
      return [[this.byOperation.get(filter.operationContext), BY_OPERATION]];
    }
    if (filter.callConnectionId !== undefined)
      return [[this.byCall.get(filter.callConnectionId), BY_CALL]];
    if (filter.kinds !== undefined)
      return [...filter.kinds].map((kind) => [this.byKind.get(kind), BY_KIND]);
    return [[this.all, ALL]];
  }

  /** Drops expired entries; returns when the oldest remaining one expires. */
  private expire(): number | undefined {
    return this.expireBefore(this.now());
  }

  private expireBefore(now: number): number | undefined {
    let entry = this.all.head;
    while (entry !== undefined && entry.expiresAt <= now) {
      this.delete(entry);
      entry = this.all.head;
    }
    return entry?.expiresAt;
  }

  private delete(entry: BacklogEntry): void {
    if (entry.removed) return;
    entry.removed = true;
    this.count--;
    this.characters -= entry.size;
    unlink(this.all, entry, ALL);
    if (entry.call !== undefined) unlinkFrom(this.byCall, entry.call, entry, BY_CALL);
    if (entry.operationContext !== undefined) {
      unlinkFrom(this.byOperation, entry.operationContext, entry, BY_OPERATION);
    }
    unlinkFrom(this.byKind, entry.kind, entry, BY_KIND);
    if (this.count === 0) this.timer.cancel();
  }
}

function jsonOf(event: AnyCallEvent): string | undefined {
  try {
    return JSON.stringify(event);
  } catch {
    return undefined; // cyclic or BigInt data given to processEvents by code: kept as it is
  }
}

function restore(entry: BacklogEntry): AnyCallEvent {
  const { stored } = entry;
  if (typeof stored !== 'string') return stored;
  const value: unknown = JSON.parse(stored);
  if (!entry.storedAsCloudEvent) return value as AnyCallEvent;
  // The text was checked when it arrived; parsed again, the event is the same as delivered then.
  const cloudEvent = (Array.isArray(value) ? value[0] : value) as CloudEvent;
  return toCallEvent(cloudEvent, true).event as AnyCallEvent;
}

function listOf(index: Map<string, List>, key: string): List {
  let list = index.get(key);
  if (list === undefined) {
    list = {};
    index.set(key, list);
  }
  return list;
}

function append(list: List, entry: BacklogEntry, at: Links): void {
  const tail = list.tail;
  entry.links[at] = tail;
  if (tail !== undefined) tail.links[at + 1] = entry;
  else list.head = entry;
  list.tail = entry;
}

function unlink(list: List, entry: BacklogEntry, at: Links): void {
  const links = entry.links;
  const before = links[at];
  const after = links[at + 1];
  if (before !== undefined) before.links[at + 1] = after;
  else list.head = after;
  if (after !== undefined) after.links[at] = before;
  else list.tail = before;
  links[at] = undefined;
  links[at + 1] = undefined;
}

function unlinkFrom(index: Map<string, List>, key: string, entry: BacklogEntry, at: Links): void {
  const list = index.get(key);
  if (list === undefined) return;
  unlink(list, entry, at);
  if (list.head === undefined) index.delete(key);
}
