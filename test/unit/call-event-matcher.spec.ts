import {
  CallAutomationShutdownError,
  CallAutomationTimeoutError,
  CallDisconnectedError,
} from 'nestjs-call-automation';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AnyCallEvent } from '../../lib/events/call-event.types';
import type { CallEventMatcher } from '../../lib/processor/call-event-matcher';
import { createMatcher } from '../support/matcher';

afterEach(() => {
  vi.useRealTimers();
});

/**
 * What each registry's indexes hold: the size of every Map, Set and queue among its fields
 * (private ones included), so an empty Set left under a key shows even when the counters say 0.
 */
function indexSizes(matcher: CallEventMatcher): Record<string, Record<string, number>> {
  const sizesOf = (registry: object) => {
    const sizes: Record<string, number> = {};
    for (const [field, value] of Object.entries(registry)) {
      const size = (value as { size?: unknown } | null)?.size;
      if (typeof size === 'number') sizes[field] = size;
    }
    return sizes;
  };
  return {
    waiters: sizesOf(matcher.waiters),
    operations: sizesOf(matcher.operations),
    ongoing: sizesOf(matcher.ongoing),
    deadlines: sizesOf(matcher.deadlines),
  };
}

/** The indexes that still hold something, as `registry.field: size`. */
function nonEmptyIndexes(matcher: CallEventMatcher): string[] {
  return Object.entries(indexSizes(matcher)).flatMap(([registry, sizes]) =>
    Object.entries(sizes)
      .filter(([, size]) => size > 0)
      .map(([field, size]) => `${registry}.${field}: ${size}`),
  );
}

describe('waiting for events', () => {
  it('resolves a waiter with the first matching live event', async () => {
    const { matcher, deliver } = createMatcher();
    const waiting = matcher.wait({ callConnectionId: 'c1', kind: 'PlayCompleted' });
    deliver('PlayCompleted', { callConnectionId: 'c2' });
    deliver('PlayFailed', { callConnectionId: 'c1' });
    const event = deliver('PlayCompleted', { callConnectionId: 'c1', operationContext: 'op' });
    await expect(waiting).resolves.toBe(event);
  });

  it('resolves every pending waiter that matches a live event', async () => {
    const { matcher, deliver } = createMatcher();
    const byCall = matcher.wait({ callConnectionId: 'c1' });
    const byKind = matcher.wait({ kind: 'CallConnected' });
    const byContext = matcher.wait({ operationContext: 'op1' });
    const byPredicate = matcher.wait((event) => event.kind === 'CallConnected');
    const unrelated = matcher.wait({ callConnectionId: 'c2' }, { timeoutMs: 50 });
    const event = deliver('CallConnected', { callConnectionId: 'c1', operationContext: 'op1' });
    await expect(Promise.all([byCall, byKind, byContext, byPredicate])).resolves.toEqual([
      event,
      event,
      event,
      event,
    ]);
    await expect(unrelated).rejects.toBeInstanceOf(CallAutomationTimeoutError);
    expect(matcher.backlog.size).toBe(0);
  });

  it('matches callConnectionId and operationContext together', async () => {
    const { matcher, deliver } = createMatcher();
    const waiting = matcher.wait({ callConnectionId: 'c2', operationContext: 'menu' });
    deliver('PlayCompleted', { callConnectionId: 'c1', operationContext: 'menu' });
    const event = deliver('PlayCompleted', { callConnectionId: 'c2', operationContext: 'menu' });
    await expect(waiting).resolves.toBe(event);
  });

  it('accepts several kinds and the * wildcard', async () => {
    const { matcher, deliver } = createMatcher();
    const either = matcher.wait({ callConnectionId: 'c1', kind: ['PlayCompleted', 'PlayFailed'] });
    const any = matcher.wait({ callConnectionId: 'c1', kind: '*' });
    const failed = deliver('PlayFailed', { callConnectionId: 'c1' });
    await expect(either).resolves.toBe(failed);
    await expect(any).resolves.toBe(failed);
  });

  it('matches when a predicate returns any truthy value, as Array.prototype.find does', async () => {
    const { matcher, deliver } = createMatcher();
    const contextOf = (event: AnyCallEvent) =>
      (event as { operationContext?: string }).operationContext;
    const live = matcher.wait((event) => event.kind === 'PlayCompleted' && contextOf(event));
    const falsy = [0, '', null, undefined, Number.NaN, false].map((value) =>
      matcher.wait(() => value, { timeoutMs: 20 }).catch((error: unknown) => error),
    );
    deliver('PlayCompleted', { callConnectionId: 'c1' }); // no operationContext: falsy
    const played = deliver('PlayCompleted', { callConnectionId: 'c1', operationContext: 'menu' });
    await expect(live).resolves.toBe(played);
    for (const waiting of falsy) expect(await waiting).toBeInstanceOf(CallAutomationTimeoutError);
  });

  it('leaves nothing behind once settled', async () => {
    const { matcher, deliver } = createMatcher();
    const waits = [
      matcher.wait({ callConnectionId: 'c1', kind: ['A', 'B'] }),
      matcher.wait({ operationContext: 'x' }),
      matcher.wait({ kind: 'A' }),
      matcher.wait({}),
      matcher.wait(() => true),
    ];
    expect(matcher.waiters.size).toBe(5);
    deliver('A', { callConnectionId: 'c1', operationContext: 'x' });
    await Promise.all(waits);
    expect(matcher.waiters.size).toBe(0);
    const timedOut = matcher.wait({ callConnectionId: 'c9' }, { timeoutMs: 1 });
    await expect(timedOut).rejects.toBeInstanceOf(CallAutomationTimeoutError);
    expect(matcher.waiters.size).toBe(0);
    expect(nonEmptyIndexes(matcher)).toEqual([]);
  });
});

describe('the backlog', () => {
  it('gives an event that arrived before its waiter to the waiter that comes later', async () => {
    const { matcher, deliver } = createMatcher();
    const event = deliver('CallConnected', { callConnectionId: 'c1', operationContext: 'create' });
    expect(matcher.backlog.size).toBe(1);
    // Kept as JSON while it waits: the late waiter gets an equal copy.
    await expect(
      matcher.wait({ operationContext: 'create', kind: 'CallConnected' }),
    ).resolves.toEqual(event);
    expect(matcher.backlog.size).toBe(0);
  });

  it('serves one late waiter per backlogged event, oldest first', async () => {
    const { matcher, deliver } = createMatcher();
    const first = deliver('ToneReceived', { callConnectionId: 'c1', tone: '1' });
    const second = deliver('ToneReceived', { callConnectionId: 'c1', tone: '2' });
    await expect(matcher.wait({ callConnectionId: 'c1' })).resolves.toEqual(first);
    await expect(matcher.wait({ kind: 'ToneReceived' })).resolves.toEqual(second);
    await expect(
      matcher.wait({ callConnectionId: 'c1' }, { timeoutMs: 10 }),
    ).rejects.toBeInstanceOf(CallAutomationTimeoutError);
  });

  it('takes the oldest match across several kinds', async () => {
    const { matcher, deliver } = createMatcher();
    const older = deliver('PlayFailed', { callConnectionId: 'c1' });
    deliver('PlayCompleted', { callConnectionId: 'c2' });
    await expect(matcher.wait({ kind: ['PlayCompleted', 'PlayFailed'] })).resolves.toEqual(older);
  });

  it('keeps only events that no waiter took', async () => {
    const { matcher, deliver } = createMatcher();
    const waiting = matcher.wait({ callConnectionId: 'c1' });
    deliver('CallConnected', { callConnectionId: 'c1' });
    await waiting;
    expect(matcher.backlog.size).toBe(0);
  });

  it('forgets events after backlogTtlMs', async () => {
    vi.useFakeTimers();
    const { matcher, deliver } = createMatcher({ backlogTtlMs: 5_000 });
    deliver('CallConnected', { callConnectionId: 'c1' });
    vi.advanceTimersByTime(4_999);
    expect(matcher.backlog.size).toBe(1);
    vi.advanceTimersByTime(2);
    expect(matcher.backlog.size).toBe(0);
    const late = matcher.wait({ callConnectionId: 'c1' }, { timeoutMs: 100 });
    vi.advanceTimersByTime(100);
    await expect(late).rejects.toBeInstanceOf(CallAutomationTimeoutError);
  });

  it('serves predicate waiters from the backlog too, and keeps events JSON cannot write', async () => {
    const { matcher, deliver } = createMatcher();
    deliver('ToneReceived', { callConnectionId: 'c1', tone: '5' });
    await expect(
      matcher.wait((event) => (event as { tone?: string }).tone === '5'),
    ).resolves.toMatchObject({
      kind: 'ToneReceived',
      tone: '5',
    });
    const cyclic: Record<string, unknown> = { callConnectionId: 'c2' };
    cyclic.self = cyclic;
    const event = deliver('Custom', cyclic);
    await expect(matcher.wait({ callConnectionId: 'c2' })).resolves.toBe(event);
  });

  it('gives a predicate waiter the oldest backlogged event it accepts, not the newest', async () => {
    const { matcher, deliver } = createMatcher();
    deliver('PlayCompleted', { callConnectionId: 'c1' });
    deliver('ToneReceived', { callConnectionId: 'c1', tone: '1' });
    deliver('ToneReceived', { callConnectionId: 'c2', tone: '2' });
    deliver('ToneReceived', { callConnectionId: 'c1', tone: '3' });
    const isTone = (event: AnyCallEvent) => event.kind === 'ToneReceived';
    const tones: unknown[] = [];
    for (let index = 0; index < 3; index++) {
      tones.push(((await matcher.wait(isTone, { timeoutMs: 20 })) as { tone?: string }).tone);
    }
    expect(tones).toEqual(['1', '2', '3']);
    expect(matcher.backlog.size).toBe(1); // the PlayCompleted
  });

  it('serves a predicate that returns a truthy non-boolean from the backlog', async () => {
    const { matcher, deliver } = createMatcher();
    deliver('ToneReceived', { callConnectionId: 'c1' });
    deliver('ToneReceived', { callConnectionId: 'c1', tone: '7' });
    await expect(
      matcher.wait((event) => (event as { tone?: string }).tone, { timeoutMs: 20 }),
    ).resolves.toMatchObject({ tone: '7' });
    await expect(matcher.wait(() => 1, { timeoutMs: 20 })).resolves.toEqual({
      kind: 'ToneReceived',
      callConnectionId: 'c1',
    });
  });

  it('gives a late waiter an event equal to the live one, also where JSON would change it', async () => {
    const { matcher, deliver } = createMatcher({ maxBacklogBytes: 1_000 });
    const lossy = {
      callConnectionId: 'c1',
      huge: Number.POSITIVE_INFINITY,
      nothing: Number.NaN,
      negativeZero: -0,
      at: new Date(0),
      list: [1, undefined],
    };
    const live = matcher.wait({ callConnectionId: 'c1' });
    const first = deliver('Custom', lossy);
    expect(await live).toBe(first);
    const second = deliver('Custom', { ...lossy, padding: 'x'.repeat(300) });
    const third = deliver('Custom', { ...lossy, padding: 'y'.repeat(300) });
    // Kept as objects, they still count their JSON's length against maxBacklogBytes.
    expect(matcher.backlog.size).toBe(2);
    expect(matcher.backlog.textSize).toBeGreaterThan(800);
    expect(deliver('Custom', { ...lossy, padding: 'z'.repeat(300) })).toBeDefined();
    expect(matcher.backlog.evicted).toBe(1);
    const restored = await matcher.wait({ callConnectionId: 'c1' });
    expect(restored).not.toBe(second);
    expect(restored).toStrictEqual(third);
  });

  it('holds at most maxBacklogEvents, dropping the oldest', async () => {
    const { matcher, deliver } = createMatcher({ maxBacklogEvents: 3 });
    for (let index = 0; index < 5; index++) deliver('Tone', { callConnectionId: 'c1', index });
    expect(matcher.backlog.size).toBe(3);
    expect(matcher.backlog.evicted).toBe(2);
    await expect(matcher.wait({ callConnectionId: 'c1' })).resolves.toMatchObject({ index: 2 });
  });

  it('holds at most maxBacklogBytes of event text, dropping the oldest', async () => {
    const { matcher, deliver } = createMatcher({ maxBacklogBytes: 1_000 });
    const padding = 'x'.repeat(300);
    for (let index = 0; index < 5; index++) {
      deliver('Tone', { callConnectionId: 'c1', index, padding });
    }
    expect(matcher.backlog.size).toBe(2); // each event's JSON is a little over 300 characters
    expect(matcher.backlog.textSize).toBeLessThanOrEqual(1_000);
    expect(matcher.backlog.evicted).toBe(3);
    await expect(matcher.wait({ callConnectionId: 'c1' })).resolves.toMatchObject({ index: 3 });
    await expect(matcher.wait({ callConnectionId: 'c1' })).resolves.toMatchObject({ index: 4 });
    expect(matcher.backlog.textSize).toBe(0);
  });

  it('does not keep an event larger than maxBacklogBytes, and keeps the others', () => {
    const { matcher, deliver } = createMatcher({ maxBacklogBytes: 1_000 });
    deliver('Tone', { callConnectionId: 'c1', index: 0 });
    deliver('Tone', { callConnectionId: 'c1', index: 1, padding: 'x'.repeat(2_000) });
    expect(matcher.backlog.size).toBe(1);
    expect(matcher.backlog.evicted).toBe(1);
  });
});

describe('timeouts, aborts and bad input', () => {
  it('times out with an error that names what was awaited', async () => {
    const { matcher } = createMatcher();
    const error = await matcher
      .wait({ callConnectionId: 'c1', kind: 'PlayCompleted' }, { timeoutMs: 20 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(CallAutomationTimeoutError);
    expect(error.message).toContain('PlayCompleted for call c1');
    expect(error.message).toContain('20 ms');
    expect(error.timeoutMs).toBe(20);
  });

  it('uses defaultTimeoutMs when no timeout is given', async () => {
    vi.useFakeTimers();
    const { matcher } = createMatcher({ defaultTimeoutMs: 240_000 });
    const waiting = matcher.wait({ kind: 'CallConnected' });
    const outcome = waiting.catch((error) => error);
    vi.advanceTimersByTime(239_999);
    expect(matcher.waiters.size).toBe(1);
    vi.advanceTimersByTime(1);
    expect(await outcome).toBeInstanceOf(CallAutomationTimeoutError);
  });

  it('rejects with the abort reason, before or while waiting', async () => {
    const { matcher } = createMatcher();
    const controller = new AbortController();
    const waiting = matcher.wait({ kind: 'CallConnected' }, { signal: controller.signal });
    const reason = new Error('caller hung up the UI');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(matcher.wait({ kind: 'X' }, { signal: AbortSignal.abort('early') })).rejects.toBe(
      'early',
    );
    expect(matcher.waiters.size).toBe(0);
  });

  it('rejects bad filters and timeouts with a message that names the mistake', async () => {
    const { matcher } = createMatcher();
    await expect(matcher.wait({ callconnectionId: 'c1' } as never)).rejects.toThrow(
      /unknown filter field 'callconnectionId'/,
    );
    await expect(matcher.wait({ kind: [] })).rejects.toThrow(/filter.kind/);
    await expect(matcher.wait({ callConnectionId: '' })).rejects.toThrow(
      /callConnectionId must be a non-empty string/,
    );
    await expect(matcher.wait({ kind: 'A' }, { timeoutMs: -1 })).rejects.toThrow(/timeoutMs/);
    await expect(matcher.wait(42 as never)).rejects.toThrow(/filter object/);
    expect(matcher.waiters.size).toBe(0);
  });

  it('rejects a waiter whose predicate throws, and only that waiter', async () => {
    const { matcher, deliver } = createMatcher();
    const broken = matcher.wait(() => {
      throw new Error('bug in predicate');
    });
    const fine = matcher.wait({ kind: 'A' });
    const event = deliver('A');
    await expect(broken).rejects.toThrow('bug in predicate');
    await expect(fine).resolves.toBe(event);
  });
});

describe('ongoing handlers', () => {
  it('runs for every matching event of its call until detached', () => {
    const { matcher, deliver } = createMatcher();
    const seen: string[] = [];
    const detach = matcher.attach('c1', ['ToneReceived'], (event) =>
      seen.push(String((event as { tone?: string }).tone)),
    );
    deliver('ToneReceived', { callConnectionId: 'c1', tone: '1' });
    deliver('ToneReceived', { callConnectionId: 'c2', tone: 'x' });
    deliver('PlayCompleted', { callConnectionId: 'c1' });
    deliver('ToneReceived', { callConnectionId: 'c1', tone: '2' });
    detach();
    deliver('ToneReceived', { callConnectionId: 'c1', tone: '3' });
    expect(seen).toEqual(['1', '2']);
  });

  it('keeps every attachment: re-attaching adds a handler and each detach removes its own', () => {
    const { matcher, deliver } = createMatcher();
    const seen: string[] = [];
    const detachFirst = matcher.attach('c1', ['A'], () => seen.push('first'));
    matcher.attach('c1', ['A'], () => seen.push('second'));
    matcher.attach('c1', ['*'], () => seen.push('any'));
    deliver('A', { callConnectionId: 'c1' });
    detachFirst();
    deliver('A', { callConnectionId: 'c1' });
    expect(seen).toEqual(['first', 'second', 'any', 'second', 'any']);
    matcher.detach('c1', ['A']);
    deliver('A', { callConnectionId: 'c1' });
    expect(seen.slice(5)).toEqual(['any']);
    matcher.detach('c1');
    expect(matcher.ongoing.callCount).toBe(0);
  });

  it('detaching a kind takes that kind out of every attachment of the call; their other kinds keep running', () => {
    const { matcher, deliver } = createMatcher();
    const seen: string[] = [];
    const detachBoth = matcher.attach('c1', ['PlayCompleted', 'PlayFailed'], (event) =>
      seen.push(`both:${event.kind}`),
    );
    matcher.attach('c1', ['PlayCompleted'], (event) => seen.push(`completed:${event.kind}`));
    matcher.attach('c1', ['*'], (event) => seen.push(`any:${event.kind}`));
    matcher.attach('c2', ['PlayCompleted'], (event) => seen.push(`other call:${event.kind}`));

    matcher.detach('c1', ['PlayCompleted']);
    deliver('PlayCompleted', { callConnectionId: 'c1' });
    deliver('PlayFailed', { callConnectionId: 'c1' });
    deliver('PlayCompleted', { callConnectionId: 'c2' });
    // '*' is not a list of kinds: detaching one kind leaves a '*' attachment whole.
    expect(seen).toEqual([
      'any:PlayCompleted',
      'both:PlayFailed',
      'any:PlayFailed',
      'other call:PlayCompleted',
    ]);

    seen.length = 0;
    detachBoth(); // removes what is left of its attachment
    deliver('PlayFailed', { callConnectionId: 'c1' });
    expect(seen).toEqual(['any:PlayFailed']);
    matcher.detach('c1', ['*']);
    deliver('PlayFailed', { callConnectionId: 'c1' });
    expect(seen).toEqual(['any:PlayFailed']);
    expect(matcher.ongoing.callCount).toBe(1); // c2 only
  });

  it('detaching every kind of an attachment, one by one, removes it', () => {
    const { matcher, deliver } = createMatcher();
    const seen: string[] = [];
    matcher.attach('c1', ['PlayCompleted', 'PlayFailed'], (event) => seen.push(event.kind));
    matcher.detach('c1', ['PlayFailed']);
    deliver('PlayCompleted', { callConnectionId: 'c1' });
    matcher.detach('c1', ['PlayCompleted']);
    deliver('PlayCompleted', { callConnectionId: 'c1' });
    deliver('PlayFailed', { callConnectionId: 'c1' });
    expect(seen).toEqual(['PlayCompleted']);
    expect(matcher.ongoing.callCount).toBe(0);
  });

  it('does not let a throwing handler stop the others', () => {
    const { matcher, deliver, handlerErrors } = createMatcher();
    const seen: string[] = [];
    matcher.attach('c1', ['A'], () => {
      throw new Error('boom');
    });
    matcher.attach('c1', ['A'], () => seen.push('ran'));
    deliver('A', { callConnectionId: 'c1' });
    expect(seen).toEqual(['ran']);
    expect(handlerErrors).toHaveLength(1);
  });
});

describe('CallDisconnected', () => {
  it('lets waiters and handlers see it, then frees everything of that call', async () => {
    const { matcher, deliver } = createMatcher();
    const handled: string[] = [];
    matcher.attach('c1', ['*'], (event) => handled.push(event.kind));
    const forDisconnect = matcher.wait({ callConnectionId: 'c1', kind: 'CallDisconnected' });
    const forPlay = matcher.wait({ callConnectionId: 'c1', kind: 'PlayCompleted' });
    const predicate = matcher.wait((event) => event.kind === 'Never', { timeoutMs: 30 });
    const otherCall = matcher.wait({ callConnectionId: 'c2' });
    deliver('ParticipantsUpdated', { callConnectionId: 'c1' });
    expect(matcher.backlog.size).toBe(1);

    const disconnected = deliver('CallDisconnected', { callConnectionId: 'c1' });

    await expect(forDisconnect).resolves.toBe(disconnected);
    const error = await forPlay.catch((e) => e);
    expect(error).toBeInstanceOf(CallDisconnectedError);
    expect(error.callConnectionId).toBe('c1');
    expect(error.event).toBe(disconnected);
    expect(error.message).toContain('c1');
    expect(handled).toEqual(['ParticipantsUpdated', 'CallDisconnected']);
    expect(matcher.backlog.size).toBe(0);
    expect(matcher.ongoing.callCount).toBe(0);
    await expect(predicate).rejects.toBeInstanceOf(CallAutomationTimeoutError); // left alone
    deliver('CallConnected', { callConnectionId: 'c2' });
    await otherCall;
    expect(matcher.waiters.size).toBe(0);
  });

  it('settles pending operations of the call as failures carrying CallDisconnected', async () => {
    const { matcher, deliver } = createMatcher();
    const play = matcher.registerOperation({
      operationContext: 'play-1',
      callConnectionId: 'c1',
      successKinds: ['PlayCompleted'],
      failureKinds: ['PlayFailed'],
      name: 'playToAll on call c1',
    });
    const disconnected = deliver('CallDisconnected', { callConnectionId: 'c1' });
    // Waiting starts after the disconnect: the operation was pending since its request.
    await expect(play.wait()).resolves.toEqual({ isSuccess: false, failureResult: disconnected });
    expect(matcher.operations.size).toBe(0);
  });

  it('fails an operation whose call turns out to have disconnected already', async () => {
    const { matcher, deliver } = createMatcher();
    const create = matcher.registerOperation({
      operationContext: 'create-1',
      successKinds: ['CallConnected'],
      failureKinds: ['CreateCallFailed'],
      name: 'createCall',
    });
    const disconnected = deliver('CallDisconnected', { callConnectionId: 'c7' });
    matcher.bindOperationToCall(create, 'c7');
    await expect(create.wait()).resolves.toEqual({ isSuccess: false, failureResult: disconnected });
  });

  it('answers new waiters for a call that just ended at once', async () => {
    const { matcher, deliver } = createMatcher();
    const disconnected = deliver('CallDisconnected', { callConnectionId: 'c1' });
    await expect(matcher.wait({ callConnectionId: 'c1', kind: 'CallDisconnected' })).resolves.toBe(
      disconnected,
    );
    await expect(
      matcher.wait({ callConnectionId: 'c1', kind: 'PlayCompleted' }),
    ).rejects.toBeInstanceOf(CallDisconnectedError);
  });
});

describe('after CallDisconnected', () => {
  it('does not keep a handler attached to a call that has ended: attach returns a detach that does nothing', () => {
    const { matcher, deliver } = createMatcher();
    const handled: string[] = [];
    const detaches: (() => void)[] = [];
    for (let index = 0; index < 1_000; index++) {
      const call = `ended-${index}`;
      deliver('CallDisconnected', { callConnectionId: call });
      detaches.push(matcher.attach(call, ['*'], (event) => handled.push(event.kind)));
      deliver('PlayCompleted', { callConnectionId: call }); // a straggler of the ended call
    }
    expect(matcher.ongoing.callCount).toBe(0);
    expect(handled).toEqual([]);
    for (const detach of detaches) detach();
    // A call that has not ended keeps its handler.
    matcher.attach('live', ['PlayCompleted'], (event) => handled.push(event.kind));
    deliver('PlayCompleted', { callConnectionId: 'live' });
    expect(handled).toEqual(['PlayCompleted']);
    expect(matcher.ongoing.callCount).toBe(1);
  });

  it('settles at once an operation registered for a call that has just disconnected', async () => {
    const { matcher, deliver } = createMatcher();
    const disconnected = deliver('CallDisconnected', { callConnectionId: 'c1' });
    const play = matcher.registerOperation({
      operationContext: 'play-after-end',
      callConnectionId: 'c1',
      successKinds: ['PlayCompleted'],
      failureKinds: ['PlayFailed'],
      name: 'playToAll on call c1',
    });
    expect(play.isSettled).toBe(true);
    expect(matcher.operations.size).toBe(0);
    await expect(play.wait({ timeoutMs: 50 })).resolves.toEqual({
      isSuccess: false,
      failureResult: disconnected,
    });
  });
});

describe('the memory of disconnected calls', () => {
  it('keeps the after-disconnect guarantees with the backlog turned off (backlogTtlMs: 0)', async () => {
    const { matcher, deliver } = createMatcher({ backlogTtlMs: 0, maxBacklogEvents: 0 });
    const disconnected = deliver('CallDisconnected', { callConnectionId: 'c1' });
    const error = await matcher
      .wait({ callConnectionId: 'c1', kind: 'PlayCompleted' }, { timeoutMs: 200 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallDisconnectedError);
    const play = matcher.registerOperation({
      operationContext: 'play-1',
      callConnectionId: 'c1',
      successKinds: ['PlayCompleted'],
      failureKinds: ['PlayFailed'],
      name: 'playToAll on call c1',
    });
    expect(play.isSettled).toBe(true);
    await expect(play.wait({ timeoutMs: 200 })).resolves.toEqual({
      isSuccess: false,
      failureResult: disconnected,
    });
    matcher.attach('c1', ['*'], () => {});
    expect(matcher.ongoing.callCount).toBe(0);
    expect(matcher.snapshot()).toMatchObject({ backlogEvents: 0, recentlyDisconnectedCalls: 1 });
  });

  it('remembers a call for disconnectedCallTtlMs, and at most maxDisconnectedCalls calls', async () => {
    vi.useFakeTimers();
    const { matcher, deliver } = createMatcher({
      backlogTtlMs: 1_000,
      disconnectedCallTtlMs: 30_000,
      maxDisconnectedCalls: 2,
    });
    for (const call of ['c1', 'c2', 'c3']) deliver('CallDisconnected', { callConnectionId: call });
    expect(matcher.snapshot().recentlyDisconnectedCalls).toBe(2); // c1 went first
    const forgotten = matcher.wait(
      { callConnectionId: 'c1', kind: 'PlayCompleted' },
      { timeoutMs: 10 },
    );
    vi.advanceTimersByTime(10);
    await expect(forgotten).rejects.toBeInstanceOf(CallAutomationTimeoutError);
    vi.advanceTimersByTime(29_980); // long past backlogTtlMs
    await expect(
      matcher.wait({ callConnectionId: 'c3', kind: 'PlayCompleted' }),
    ).rejects.toBeInstanceOf(CallDisconnectedError);
    vi.advanceTimersByTime(20);
    expect(matcher.snapshot().recentlyDisconnectedCalls).toBe(0);
  });

  it('forgets ended calls at once with disconnectedCallTtlMs: 0', () => {
    const { matcher, deliver } = createMatcher({ disconnectedCallTtlMs: 0 });
    deliver('CallDisconnected', { callConnectionId: 'c1' });
    expect(matcher.snapshot().recentlyDisconnectedCalls).toBe(0);
  });
});

describe('operations', () => {
  const spec = (operationContext: string, callConnectionId?: string) => ({
    operationContext,
    ...(callConnectionId ? { callConnectionId } : {}),
    successKinds: ['PlayCompleted'],
    failureKinds: ['PlayFailed'],
    name: 'play',
  });

  it('keeps an outcome that arrives before anyone waits', async () => {
    const { matcher, deliver } = createMatcher();
    const operation = matcher.registerOperation(spec('op1', 'c1'));
    const completed = deliver('PlayCompleted', { callConnectionId: 'c1', operationContext: 'op1' });
    expect(matcher.backlog.size).toBe(0);
    await expect(operation.wait()).resolves.toEqual({ isSuccess: true, successResult: completed });
    await expect(operation.wait()).resolves.toEqual({ isSuccess: true, successResult: completed });
  });

  it('tells apart operations of different calls that reuse one operationContext', async () => {
    const { matcher, deliver } = createMatcher();
    const first = matcher.registerOperation(spec('menu', 'c1'));
    const second = matcher.registerOperation(spec('menu', 'c2'));
    const failed = deliver('PlayFailed', { callConnectionId: 'c2', operationContext: 'menu' });
    const completed = deliver('PlayCompleted', {
      callConnectionId: 'c1',
      operationContext: 'menu',
    });
    await expect(first.wait()).resolves.toEqual({ isSuccess: true, successResult: completed });
    await expect(second.wait()).resolves.toEqual({ isSuccess: false, failureResult: failed });
  });

  it('times out a wait without forgetting the operation', async () => {
    const { matcher, deliver } = createMatcher();
    const operation = matcher.registerOperation(spec('op1', 'c1'));
    await expect(operation.wait({ timeoutMs: 5 })).rejects.toThrow(
      /PlayCompleted\|PlayFailed of play/,
    );
    const completed = deliver('PlayCompleted', { callConnectionId: 'c1', operationContext: 'op1' });
    await expect(operation.wait()).resolves.toMatchObject({ successResult: completed });
  });

  it('forgets an operation nobody waits for after the default timeout', () => {
    vi.useFakeTimers();
    const { matcher } = createMatcher({ defaultTimeoutMs: 1_000 });
    matcher.registerOperation(spec('op1', 'c1'));
    expect(matcher.operations.size).toBe(1);
    vi.advanceTimersByTime(1_002);
    expect(matcher.operations.size).toBe(0);
  });
});

describe('memory', () => {
  it('leaves no index entry behind (no empty Set or Map per call or key) once many calls have come and gone', async () => {
    const { matcher, deliver } = createMatcher({ defaultTimeoutMs: 60_000 });
    const outcomes: Promise<unknown>[] = [];
    const settle = (promise: Promise<unknown>) => outcomes.push(promise.catch(() => undefined));
    const play = (operationContext: string, callConnectionId?: string) => ({
      operationContext,
      ...(callConnectionId ? { callConnectionId } : {}),
      successKinds: ['PlayCompleted'],
      failureKinds: ['PlayFailed'],
      name: 'play',
    });
    const calls = 200;
    for (let index = 0; index < calls; index++) {
      const call = `call-${index}`;
      // Waiters filed under each kind of index key, settled every way a waiter can end.
      settle(matcher.wait({ callConnectionId: call, kind: ['PlayCompleted', 'PlayFailed'] }));
      settle(matcher.wait({ callConnectionId: call }));
      settle(matcher.wait({ callConnectionId: call, kind: 'RecognizeCompleted' })); // disconnect
      settle(matcher.wait({ operationContext: `menu-${index}` }));
      settle(matcher.wait({ kind: `Custom-${index}` }, { timeoutMs: 1 })); // times out
      const controller = new AbortController();
      settle(matcher.wait({ callConnectionId: call, kind: 'Tone' }, { signal: controller.signal }));
      controller.abort();
      settle(matcher.wait((event) => event.callConnectionId === call && event.kind === 'Bye'));
      // Operations: bound at once, bound later, settled by their outcome or by the disconnect.
      const menu = matcher.registerOperation(play(`menu-${index}`, call));
      const create = matcher.registerOperation({
        operationContext: `create-${index}`,
        successKinds: ['CallConnected'],
        failureKinds: ['CreateCallFailed'],
        name: 'createCall',
      });
      matcher.bindOperationToCall(create, call);
      const hold = matcher.registerOperation(play(`hold-${index}`, call));
      for (const operation of [menu, create, hold]) settle(operation.wait());
      // Ongoing handlers: freed by the disconnect, by their detach function, by kind.
      const detachPlays = matcher.attach(call, ['PlayCompleted', 'PlayFailed'], () => {});
      matcher.attach(call, ['*'], () => {});
      matcher.detach(call, ['PlayCompleted']);
      if (index % 2 === 0) detachPlays();
      const detachAlone = matcher.attach(`alone-${index}`, ['A', 'B'], () => {});
      matcher.attach(`by-kind-${index}`, ['A', 'B'], () => {});
      matcher.detach(`by-kind-${index}`, ['A']);
      matcher.detach(`by-kind-${index}`, ['B']);
      detachAlone();
    }
    for (const [registry, sizes] of Object.entries(indexSizes(matcher))) {
      expect(
        Object.values(sizes).some((size) => size > 0),
        registry,
      ).toBe(true); // busy now
    }

    for (let index = 0; index < calls; index++) {
      const call = `call-${index}`;
      deliver('CallConnected', { callConnectionId: call, operationContext: `create-${index}` });
      deliver('PlayFailed', { callConnectionId: call, operationContext: `menu-${index}` });
      deliver('Bye', { callConnectionId: call });
      deliver('CallDisconnected', { callConnectionId: call });
    }
    await Promise.all(outcomes);

    expect(matcher.snapshot()).toMatchObject({
      pendingWaiters: 0,
      pendingOperations: 0,
      callsWithOngoingHandlers: 0,
    });
    expect(nonEmptyIndexes(matcher)).toEqual([]);
  });
});

describe('shutdown', () => {
  it('rejects every pending wait at once and refuses new ones', async () => {
    const { matcher } = createMatcher({ defaultTimeoutMs: 240_000 });
    const waiting = matcher.wait({ kind: 'CallConnected' });
    const operation = matcher.registerOperation({
      operationContext: 'op',
      successKinds: ['CallConnected'],
      failureKinds: [],
      name: 'createCall',
    });
    const operationWait = operation.wait();
    matcher.close();
    const error = await waiting.catch((e) => e);
    expect(error).toBeInstanceOf(CallAutomationShutdownError);
    expect(error.message).toMatch(/shutting down/);
    await expect(operationWait).rejects.toBeInstanceOf(CallAutomationShutdownError);
    await expect(matcher.wait({ kind: 'A' })).rejects.toBeInstanceOf(CallAutomationShutdownError);
    expect(matcher.waiters.size).toBe(0);
    expect(matcher.operations.size).toBe(0);
  });
});
