import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallAutomationEventError } from '../../lib/errors/call-automation-event.error';
import { metadataOf, toCallEvent } from '../../lib/events/to-call-event';
import type { ReceivedEvent } from '../../lib/transport/call-event-bus.interface';
import { RedisEventBus, type RedisEventBusOptions } from '../../lib/transport/redis-event-bus';
import { cloudEvent } from '../support/events';
import { type RedisUnderTest, useRedis } from '../support/redis-server';
import { waitFor } from './cluster';

function received(id?: string): ReceivedEvent {
  const event = cloudEvent('PlayCompleted', { callConnectionId: 'call-1' }, id);
  return { event: toCallEvent(event).event, metadata: metadataOf(event), cloudEvent: event };
}

describe('RedisEventBus', () => {
  let redis: RedisUnderTest;
  const buses: RedisEventBus[] = [];

  beforeAll(async () => {
    redis = await useRedis();
  });
  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await redis?.close();
  });

  /** How many entries of the handlers' consumer group are taken and not acknowledged. */
  async function pendingOf(prefix: string): Promise<number> {
    const [count] = (await redis.admin.call(
      'XPENDING',
      `${prefix}events`,
      `${prefix}handlers`,
    )) as [number];
    return count;
  }

  /**
   * A bus on a key prefix of its own, recording what it hands on. With `holdHandlers`, the
   * handlers of its events never finish (a replica that dies before acknowledging them).
   */
  async function startBus(
    options: Partial<RedisEventBusOptions> = {},
    { holdHandlers = false }: { holdHandlers?: boolean } = {},
  ) {
    const delivered: ReceivedEvent[] = [];
    const ids: string[] = [];
    const prefix = options.keyPrefix ?? redis.uniquePrefix();
    const bus = new RedisEventBus({
      url: redis.url,
      keyPrefix: prefix,
      dedupeTtlMs: 60_000,
      maxDedupeIds: 1_000,
      ...options,
    });
    buses.push(bus);
    const handled: string[] = [];
    await bus.start({
      deliver(event) {
        delivered.push(event);
        ids.push(event.metadata.id);
      },
      runHandlers(event) {
        handled.push(event.metadata.id);
        return holdHandlers ? new Promise<void>(() => {}) : Promise.resolve();
      },
    });
    return { bus, ids, delivered, handled, prefix };
  }

  it('groups batches that arrive during a hand-over into one script run, dedupe included', async () => {
    const { bus, ids, prefix } = await startBus();
    const shared = received();
    // The first batch starts a hand-over; the 19 that follow in the same tick wait for it.
    const batches = [
      [received()],
      [shared],
      ...Array.from({ length: 17 }, () => [received()]),
      [received(shared.metadata.id)],
    ];
    const answers = await Promise.all(batches.map((batch) => bus.publish(batch)));
    expect(answers.slice(0, -1).every(([fresh]) => fresh === true)).toBe(true);
    expect(answers.at(-1)).toEqual([false]); // a duplicate of an event of another queued batch
    expect(await redis.admin.xlen(`${prefix}events`)).toBe(2);
    await waitFor(() => ids.length === 19, 'the 19 new events to be handed on');
    expect(new Set(ids).size).toBe(19);
  });

  it('fails only the batch whose event cannot be serialised, not the others of its group', async () => {
    const { bus, ids } = await startBus();
    const bad = received();
    (bad.cloudEvent.data as Record<string, unknown>).amount = 10n; // JSON.stringify throws
    const good = Array.from({ length: 5 }, () => received());
    // All in one tick: without per-batch serialisation they share one script run.
    const answers = await Promise.allSettled([
      bus.publish([good[0] as ReceivedEvent]),
      bus.publish([good[1] as ReceivedEvent, bad]),
      ...good.slice(2).map((event) => bus.publish([event])),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    const failure = (answers[1] as PromiseRejectedResult).reason as Error;
    expect(failure).toBeInstanceOf(CallAutomationEventError);
    expect(failure.message).toContain(bad.metadata.id);
    expect(failure.message).toMatch(/PlayCompleted.*cannot be serialised.*BigInt/);
    // The bad batch left nothing behind: its good event can be published again.
    expect(await bus.publish([good[1] as ReceivedEvent])).toEqual([true]);
    await waitFor(() => ids.length === 5, 'the five good events');
  });

  it('hands its own events on at once, and each event once', async () => {
    const { bus, ids } = await startBus();
    const first = received();
    expect(await bus.publish([first, received(first.metadata.id), received()])).toEqual([
      true,
      false,
      true,
    ]);
    expect(ids).toHaveLength(2); // delivered before publish resolved: no round trip through the reader
    await bus.publish([received()]);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
  });

  it('delivers every event on every replica and runs its handlers on one', async () => {
    const a = await startBus();
    const b = await startBus({ keyPrefix: a.prefix });
    const first = received();
    const second = received();
    await a.bus.publish([first]);
    await b.bus.publish([second, received(first.metadata.id)]);
    const both = [first.metadata.id, second.metadata.id];
    await waitFor(
      () => a.ids.length === 2 && b.ids.length === 2,
      'both replicas to read both events',
    );
    expect(a.ids).toEqual(both);
    expect(b.ids).toEqual(both);
    await waitFor(() => a.handled.length + b.handled.length === 2, 'the handlers of both');
    expect([...a.handled, ...b.handled].sort()).toEqual([...both].sort());
  });

  it("runs each event's handlers once across replicas, wherever it was published", async () => {
    const a = await startBus();
    const b = await startBus({ keyPrefix: a.prefix });
    const c = await startBus({ keyPrefix: a.prefix });
    const events = Array.from({ length: 60 }, () => received());
    await Promise.all(events.map((event, index) => [a, b, c][index % 3]?.bus.publish([event])));
    const handled = () => [...a.handled, ...b.handled, ...c.handled];
    await waitFor(() => handled().length >= 60, 'the handlers of the 60 events');
    // A later event, handled too: nothing of the first 60 ran twice meanwhile.
    const later = received();
    await a.bus.publish([later]);
    await waitFor(() => handled().includes(later.metadata.id), 'the later event');
    expect(handled().sort()).toEqual([...events, later].map((e) => e.metadata.id).sort());
    expect(await pendingOf(a.prefix)).toBe(0); // every entry acknowledged
  });

  it('runs the handlers of a replica that died before acknowledging them on another, after handlerClaimTimeoutMs', async () => {
    const a = await startBus({ handlerClaimTimeoutMs: 60_000 }, { holdHandlers: true });
    const event = received();
    await a.bus.publish([event]);
    await waitFor(() => a.handled.includes(event.metadata.id), 'A to take the entry');
    await a.bus.close(); // dies with the handlers unfinished: nothing acknowledged
    const b = await startBus({ keyPrefix: a.prefix, handlerClaimTimeoutMs: 300 });
    await waitFor(() => b.handled.includes(event.metadata.id), 'B to take the entry over');
    expect(b.handled).toEqual([event.metadata.id]);
    await waitFor(async () => (await pendingOf(a.prefix)) === 0, 'the entry to be acknowledged');
  });

  it('gives up, without running them, the handlers of an entry trimmed before they ran', async () => {
    const a = await startBus({ handlerClaimTimeoutMs: 60_000 }, { holdHandlers: true });
    const event = received();
    await a.bus.publish([event]);
    await waitFor(() => a.handled.includes(event.metadata.id), 'A to take the entry');
    await a.bus.close();
    // The stream's bounds trim the entry while it is still pending.
    await redis.admin.call('XTRIM', `${a.prefix}events`, 'MAXLEN', 0);
    const b = await startBus({ keyPrefix: a.prefix, handlerClaimTimeoutMs: 300 });
    await waitFor(
      async () => (await pendingOf(a.prefix)) === 0,
      'the trimmed entry to leave the pending list',
    );
    expect(b.handled).toEqual([]);
  });

  it('keeps the entries of handlers that run longer than handlerClaimTimeoutMs', async () => {
    const a = await startBus({ handlerClaimTimeoutMs: 300 }, { holdHandlers: true });
    const b = await startBus({ keyPrefix: a.prefix, handlerClaimTimeoutMs: 300 });
    const events = Array.from({ length: 4 }, () => received());
    for (const event of events) await a.bus.publish([event]);
    await waitFor(() => a.handled.length + b.handled.length === 4, 'the four events to be taken');
    const startedAt = Date.now();
    // Ten claim timeouts: A touches its entries, so B does not take them over.
    await waitFor(() => Date.now() - startedAt > 3_000, 'time to pass');
    expect([...a.handled, ...b.handled].sort()).toEqual(events.map((e) => e.metadata.id).sort());
  });

  it('runs the entries the group gave it in a reply lost with its connection', async () => {
    const a = await startBus({ handlerClaimTimeoutMs: 60_000 });
    const stream = `${a.prefix}events`;
    const group = `${a.prefix}handlers`;
    await a.bus.publish([received()]);
    await waitFor(() => a.handled.length === 1, 'A to register in the group');
    const consumers = (await redis.admin.call('XINFO', 'CONSUMERS', stream, group)) as string[][];
    const consumer = consumers[0]?.[1] as string;
    // The group hands an entry to A, but the reply never reaches it (here: an admin client
    // reads it under A's name, in the transaction that adds it).
    const lost = received();
    const payload = JSON.stringify([lost.cloudEvent]);
    await redis.admin
      .multi()
      .call('XADD', stream, '*', 'e', payload)
      .call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', stream, '>')
      .exec();
    // A's handler connection drops and reconnects: it reads its own pending entries first.
    const clients = String(await redis.admin.call('CLIENT', 'LIST'))
      .split('\n')
      .filter((line) => line.includes(`name=nestjs-call-automation:handlers:${a.prefix}`));
    expect(clients).toHaveLength(1);
    const clientId = /id=(\d+)/.exec(clients[0] as string)?.[1] as string;
    await redis.admin.call('CLIENT', 'KILL', 'ID', clientId);
    await waitFor(() => a.handled.includes(lost.metadata.id), 'A to run the lost entry', 15_000);
    expect(a.handled.filter((id) => id === lost.metadata.id)).toHaveLength(1);
  });

  it('creates its consumer group once, at the end of the stream', async () => {
    const prefix = redis.uniquePrefix();
    // An entry from before any replica of this version: its handlers are not run.
    await redis.admin.xadd(`${prefix}events`, '*', 'e', JSON.stringify([received().cloudEvent]));
    const a = await startBus({ keyPrefix: prefix });
    const b = await startBus({ keyPrefix: prefix }); // BUSYGROUP: the group exists already
    const event = received();
    await b.bus.publish([event]);
    await waitFor(() => a.handled.length + b.handled.length > 0, 'the new event');
    expect([...a.handled, ...b.handled]).toEqual([event.metadata.id]);
    const groups = (await redis.admin.call('XINFO', 'GROUPS', `${prefix}events`)) as unknown[];
    expect(groups).toHaveLength(1);
  });

  it('puts a lone event into the stream as the text it came in, brackets of a batch off', async () => {
    const { bus, delivered, prefix } = await startBus();
    const asBatch = received();
    const asObject = received();
    const batchText = ` [ ${JSON.stringify(asBatch.cloudEvent, null, 1)} ]\n`;
    const objectText = JSON.stringify(asObject.cloudEvent);
    await bus.publish([{ ...asBatch, source: batchText }]);
    await bus.publish([{ ...asObject, source: objectText }]);
    const entries = (await redis.admin.xrange(`${prefix}events`, '-', '+')).map(
      ([, fields]) => fields[1] as string,
    );
    expect(entries.map((payload) => JSON.parse(payload))).toEqual([
      [asBatch.cloudEvent],
      [asObject.cloudEvent],
    ]);
    expect(entries[1]).toBe(`[${objectText}]`);
    expect(delivered.map((event) => event.metadata.id)).toEqual([
      asBatch.metadata.id,
      asObject.metadata.id,
    ]);
  });

  it('remembers at most maxDedupeIds ids, dropping the oldest first', async () => {
    const { bus, prefix: keyPrefix } = await startBus({ maxDedupeIds: 3 });
    const events = Array.from({ length: 5 }, () => received());
    for (const event of events) await bus.publish([event]);
    expect(await redis.admin.zcard(`${keyPrefix}seen`)).toBe(3);
    // The two oldest were forgotten, the three newest are still duplicates.
    expect(await bus.publish(events.slice(2))).toEqual([false, false, false]);
    expect(await bus.publish([events[0] as ReceivedEvent])).toEqual([true]);
  });

  it('keeps the stream bounded by length and by age', async () => {
    const {
      bus,
      ids,
      prefix: keyPrefix,
    } = await startBus({ maxStreamEntries: 10, streamRetentionMs: 300 });
    for (let index = 0; index < 1_000; index++) await bus.publish([received()]);
    // Approximate trimming removes whole nodes (100 entries each by default).
    expect(await redis.admin.xlen(`${keyPrefix}events`)).toBeLessThan(300);
    await waitFor(() => ids.length === 1_000, 'every event');
    const startedAt = Date.now();
    await waitFor(() => Date.now() - startedAt > 400, 'the entries to age');
    await bus.publish([received()]);
    expect(await redis.admin.xlen(`${keyPrefix}events`)).toBeLessThanOrEqual(100);
  });
});
