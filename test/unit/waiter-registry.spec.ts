import { describe, expect, it } from 'vitest';
import type { AnyCallEvent } from '../../lib/events/call-event.types';
import { type CallEventFilter, normalizeFilter } from '../../lib/events/event-filter';
import { ANY_KIND, CallPrefilter, hashOf } from '../../lib/processor/call-prefilter';
import { Waiter } from '../../lib/processor/waiter';
import { WaiterRegistry } from '../../lib/processor/waiter-registry';

const forget = () => {};

function waiterFor(filter: CallEventFilter): Waiter {
  const waiter = new Waiter(normalizeFilter(filter), undefined, 60_000, undefined, forget);
  waiter.promise.catch(() => undefined);
  return waiter;
}

function event(kind: string, callConnectionId?: string, operationContext?: string): AnyCallEvent {
  return { kind, callConnectionId, operationContext } as unknown as AnyCallEvent;
}

/** The prefilter's answer as a boolean: "maybe" (a record or SHARED) or "no". */
function mayWant(
  filter: CallPrefilter,
  call: string,
  kindBits: number,
  context: string | undefined,
): boolean {
  return filter.wanted(call, kindBits, context) !== undefined;
}

/** A small deterministic random source (the same cases on every run). */
function random(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return (state >>> 8) % below;
  };
}

describe('WaiterRegistry', () => {
  it('checks the kinds of a waiter filed by operationContext (its keys alone do not decide)', () => {
    for (const callConnectionId of ['call-1', undefined]) {
      const registry = new WaiterRegistry();
      const waiter = waiterFor({
        callConnectionId,
        operationContext: 'menu',
        kind: 'RecognizeCompleted',
      });
      registry.add(waiter);
      expect(registry.match(event('PlayStarted', 'call-1', 'menu'))).toEqual([]);
      expect(registry.match(event('RecognizeCompleted', 'call-1', 'other'))).toEqual([]);
      expect(registry.match(event('RecognizeCompleted', 'call-1', 'menu'))).toEqual([waiter]);
    }
  });

  it.each([
    // 4 hash values for 12 calls: every slot is shared.
    ['ids whose hashes collide', (text: string) => (hashOf(text) & 3) + 1, 12],
    ['the real hash', hashOf, 12],
    // 150 values for 100 calls, all with one home while the table is small: some slots shared,
    // long probe runs moved by deletions and by the table growing.
    ['ids whose slots collide', (text: string) => ((hashOf(text) >>> 0) % 150) * 64 + 1, 100],
  ])('finds exactly the waiters a brute-force check finds, with %s', (_, hash, callCount) => {
    const registry = new WaiterRegistry(hash);
    const next = random(7);
    const calls = Array.from({ length: callCount }, (_, index) => `call-${index}`);
    const contexts = Array.from({ length: 8 }, (_, index) => `op-${index}`);
    const kinds = Array.from({ length: 34 }, (_, index) => `Kind${index}`); // past the 30 bits
    const pick = <T>(values: readonly T[]) => values[next(values.length)] as T;
    const maybe = <T>(value: () => T, odds = 3) => (next(odds) === 0 ? undefined : value());
    const pending: Waiter[] = [];
    for (let step = 0; step < 4_000; step++) {
      if (pending.length > 0 && next(5) < 2) {
        const [waiter] = pending.splice(next(pending.length), 1);
        registry.remove(waiter as Waiter);
      } else {
        // Waiters for any kind are few: they would make every slot say "maybe".
        const kind = maybe(() => (next(2) ? pick(kinds) : [pick(kinds), pick(kinds)]), 10);
        const waiter = waiterFor({
          callConnectionId: maybe(() => pick(calls)),
          operationContext: next(2) ? pick(contexts) : undefined,
          kind,
        });
        registry.add(waiter);
        pending.push(waiter);
      }
      const probe = event(
        pick(kinds),
        maybe(() => pick(calls)),
        maybe(() => pick(contexts)),
      );
      const expected = pending
        .filter((waiter) => waiter.accepts(probe))
        .sort((a, b) => a.sequence - b.sequence);
      expect(registry.match(probe)).toEqual(expected);
      expect(registry.size).toBe(pending.length);
    }
  });

  it('narrows its prefilter when a call’s waiters leave, so their kinds no longer reach the index', () => {
    const registry = new WaiterRegistry();
    const prefilter = (registry as unknown as { prefilter: CallPrefilter }).prefilter;
    const played = waiterFor({ callConnectionId: 'c', kind: 'PlayCompleted' });
    const recognized = waiterFor({ callConnectionId: 'c', kind: 'RecognizeCompleted' });
    registry.add(played);
    registry.add(recognized);
    const wants = (kind: string) =>
      mayWant(prefilter, 'c', prefilter.bitsOfEventKind(kind), undefined);
    expect(wants('PlayCompleted')).toBe(true);
    registry.remove(played);
    expect(wants('PlayCompleted')).toBe(false);
    expect(wants('RecognizeCompleted')).toBe(true);
    registry.remove(recognized);
    expect(prefilter.size).toBe(0);
  });
});

describe('CallPrefilter', () => {
  const bitsOf = (filter: CallPrefilter, kinds: string[]) =>
    kinds.reduce((bits, kind) => bits | filter.bitOfWaitedKind(kind), 0);
  /** Waiters for `kinds` (no operationContext), and waiters for `contextKinds` of `contexts`. */
  const wanting = (
    filter: CallPrefilter,
    kinds: string[],
    contexts: string[] = [],
    contextKinds: string[] = [],
  ) => ({
    kinds: bitsOf(filter, kinds),
    contexts: contexts.reduce((bits, context) => bits | filter.contextBits(context), 0),
    contextKinds: bitsOf(filter, contextKinds),
  });

  it('says no for a kind or operationContext that none of the call’s waiters wants', () => {
    const filter = new CallPrefilter();
    filter.addCall('call-1', {});
    filter.widen('call-1', wanting(filter, ['PlayCompleted'], ['menu'], ['RecognizeCompleted']));
    const may = (kind: string, context?: string, call = 'call-1') =>
      mayWant(filter, call, filter.bitsOfEventKind(kind), context);
    expect(may('PlayCompleted')).toBe(true);
    expect(may('RecognizeCompleted', 'menu')).toBe(true);
    expect(may('RecognizeCompleted', 'other')).toBe(false);
    expect(may('RecognizeCompleted')).toBe(false);
    expect(may('PlayStarted', 'menu')).toBe(false); // the operation's other events
    expect(may('PlayStarted')).toBe(false);
    expect(may('PlayCompleted', undefined, 'call-2')).toBe(false);
    filter.narrow('call-1', { ...wanting(filter, [], ['menu']), contextKinds: ANY_KIND });
    expect(may('PlayCompleted')).toBe(false);
    expect(may('PlayStarted', 'menu')).toBe(true);
  });

  it('keeps a slot shared by two ids as wide as both, until both are gone', () => {
    const filter = new CallPrefilter(() => 42);
    filter.addCall('a', {});
    filter.widen('a', wanting(filter, ['PlayCompleted']));
    filter.addCall('b', {});
    filter.widen('b', wanting(filter, ['RecognizeCompleted']));
    filter.narrow('a', wanting(filter, [])); // not narrowed: b shares the slot
    expect(mayWant(filter, 'b', filter.bitsOfEventKind('RecognizeCompleted'), undefined)).toBe(
      true,
    );
    expect(mayWant(filter, 'a', filter.bitsOfEventKind('PlayCompleted'), undefined)).toBe(true);
    filter.removeCall('a');
    expect(mayWant(filter, 'b', filter.bitsOfEventKind('RecognizeCompleted'), undefined)).toBe(
      true,
    );
    filter.removeCall('b');
    expect(filter.size).toBe(0);
    expect(mayWant(filter, 'b', filter.bitsOfEventKind('RecognizeCompleted'), undefined)).toBe(
      false,
    );
  });

  it('finds every call after growing and after deletions inside probe runs', () => {
    // 700 hash values for 500 calls, all with the same home while the table is small: long
    // probe runs, moved by deletions and by growing, and slots shared by two or three calls.
    const filter = new CallPrefilter((text) => ((hashOf(text) >>> 0) % 700) * 64 + 1);
    const calls = Array.from({ length: 500 }, (_, index) => `call-${index}`);
    const bits = wanting(filter, ['PlayCompleted']);
    for (const call of calls) {
      filter.addCall(call, {});
      filter.widen(call, bits);
    }
    const kept = calls.filter((_, index) => index % 3 !== 0);
    for (const [index, call] of calls.entries()) if (index % 3 === 0) filter.removeCall(call);
    const wants = (call: string) =>
      mayWant(filter, call, filter.bitsOfEventKind('PlayCompleted'), undefined);
    expect(kept.every(wants)).toBe(true);
    for (const call of kept) filter.removeCall(call);
    expect(filter.size).toBe(0);
    expect(calls.some(wants)).toBe(false);
  });
});
