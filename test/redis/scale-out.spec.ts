import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import {
  CallAutomationModule,
  CallDisconnectedError,
  type CallEvent,
  type CallEventMetadata,
  OnCallEvent,
  type ProcessSummary,
} from 'nestjs-call-automation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { cloudEvent } from '../support/events';
import { type RedisUnderTest, useRedis } from '../support/redis-server';
import { closeAll, startCluster, waitFor } from './cluster';

/** Every `@OnCallEvent('*')` run, of every replica of the test. */
const handled: { replica: string; id: string; kind: string }[] = [];

@Injectable()
class HandlerRecorder {
  readonly replica = String(Math.random());

  @OnCallEvent('*')
  record(event: CallEvent, metadata: CallEventMetadata): void {
    handled.push({ replica: this.replica, id: metadata.id, kind: event.kind });
  }
}

describe('Scale-out over Redis', () => {
  let redis: RedisUnderTest;

  beforeAll(async () => {
    redis = await useRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  const options = () => ({ url: redis.url, keyPrefix: redis.uniquePrefix() });

  it('settles a waiter and an operation on A from a webhook that hit B', async () => {
    const [a, b] = (await startCluster(2, options())) as [TestApp, TestApp];
    try {
      const waiting = a.processor.waitForEvent({
        callConnectionId: 'call-1',
        kind: 'PlayCompleted',
      });
      const operation = a.processor.registerOperation({
        operationContext: 'op-add',
        callConnectionId: 'call-1',
        successKinds: ['AddParticipantSucceeded'],
        failureKinds: ['AddParticipantFailed'],
        name: 'addParticipant on call call-1',
      });
      const played = cloudEvent('PlayCompleted', { callConnectionId: 'call-1' });
      const added = cloudEvent('AddParticipantSucceeded', {
        callConnectionId: 'call-1',
        operationContext: 'op-add',
      });
      const response = await b.post('api/callbacks', [played, added]);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ received: 2, dispatched: 2, duplicates: 0 });
      const event = await waiting;
      expect(event).toMatchObject({ kind: 'PlayCompleted', callConnectionId: 'call-1' });
      const result = await operation.wait();
      expect(result.isSuccess).toBe(true);
      expect(result.successResult).toMatchObject({ kind: 'AddParticipantSucceeded' });
    } finally {
      await closeAll([a, b]);
    }
  });

  it("keeps an event that reached B before A waited in A's backlog", async () => {
    const [a, b] = (await startCluster(2, options())) as [TestApp, TestApp];
    try {
      const early = cloudEvent('RecognizeCompleted', { callConnectionId: 'call-2' });
      expect((await b.post('api/callbacks', [early])).status).toBe(200);
      await waitFor(() => a.processor.snapshot().backlogEvents === 1, "the event in A's backlog");
      const event = await a.processor.waitForEvent({
        callConnectionId: 'call-2',
        kind: 'RecognizeCompleted',
      });
      expect(event.kind).toBe('RecognizeCompleted');
      expect(a.processor.snapshot().backlogEvents).toBe(0);
    } finally {
      await closeAll([a, b]);
    }
  });

  it('runs a decorated handler once across three replicas when the same event reaches all', async () => {
    const apps = await startCluster(3, options(), [HandlerRecorder]);
    try {
      const event = cloudEvent('ParticipantsUpdated', { callConnectionId: 'call-3' });
      const responses = await Promise.all(apps.map((app) => app.post('api/callbacks', [event])));
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
      const summaries = (await Promise.all(
        responses.map((response) => response.json()),
      )) as ProcessSummary[];
      expect(summaries.reduce((sum, summary) => sum + summary.dispatched, 0)).toBe(1);
      expect(summaries.reduce((sum, summary) => sum + summary.duplicates, 0)).toBe(2);
      // Every replica sees the event once (a later waiter on each finds it in its backlog)...
      for (const app of apps) {
        await waitFor(
          () => app.processor.snapshot().backlogEvents === 1,
          'the event on every replica',
        );
      }
      // ...but the handler ran once in the cluster (on the replica that took it from the
      // consumer group).
      await waitFor(() => handled.some((entry) => entry.id === event.id), 'the handler');
      await Promise.all(apps.map((app) => app.processor.whenIdle()));
      expect(handled.filter((entry) => entry.id === event.id)).toHaveLength(1);
      // A redelivery later, to another replica, is dropped as well.
      const again = await apps[1]?.post('api/callbacks', [event]);
      expect(await again?.json()).toEqual({ received: 1, dispatched: 0, duplicates: 1 });
      await Promise.all(apps.map((app) => app.processor.whenIdle()));
      expect(handled.filter((entry) => entry.id === event.id)).toHaveLength(1);
    } finally {
      await closeAll(apps);
    }
  });

  it('leaves new handler work to the other replicas while one drains (a new call flow does not start on it)', async () => {
    // Entries a read brings after the drain began are handed back: another replica takes them
    // at its next takeover round (a third of handlerClaimTimeoutMs).
    const apps = await startCluster(3, { ...options(), handlerClaimTimeoutMs: 1_500 }, [
      HandlerRecorder,
    ]);
    try {
      const [draining, ...others] = apps as [TestApp, TestApp, TestApp];
      const drainingReplica = draining.app.get(HandlerRecorder).replica;
      // A call in progress keeps the drain going (until the waiter is released below).
      const inProgress = draining.processor.waitForEvent({ callConnectionId: 'call-drain-held' });
      const drained = draining.processor.drain(30_000);
      const events = Array.from({ length: 24 }, (_, index) =>
        cloudEvent('ParticipantsUpdated', { callConnectionId: `call-drain-${index}` }),
      );
      for (const [index, event] of events.entries()) {
        // Posted to every replica in turn, the draining one too (callbacks are still accepted).
        const response = await (apps[index % apps.length] as TestApp).post('api/callbacks', [
          event,
        ]);
        expect(response.status).toBe(200);
      }
      const ids = new Set(events.map((event) => event.id));
      await waitFor(
        () => handled.filter((entry) => ids.has(entry.id)).length >= events.length,
        'the handlers of every event',
      );
      const runs = handled.filter((entry) => ids.has(entry.id));
      expect(runs.filter((entry) => entry.replica === drainingReplica)).toEqual([]);
      expect(new Set(runs.map((entry) => entry.id)).size).toBe(events.length);
      await others[0].post('api/callbacks', [
        cloudEvent('PlayCompleted', { callConnectionId: 'call-drain-held' }),
      ]);
      await inProgress;
      expect(await drained).toBe(true);
      await Promise.all(apps.map((app) => app.processor.whenIdle()));
      expect(handled.filter((entry) => ids.has(entry.id))).toHaveLength(events.length);
    } finally {
      await closeAll(apps);
    }
  });

  it('runs an ongoing processor attached on A for events that hit B', async () => {
    const [a, b] = (await startCluster(2, options())) as [TestApp, TestApp];
    try {
      const seen: string[] = [];
      a.processor.attachOngoingEventProcessor(
        'call-4',
        ['PlayStarted', 'PlayCompleted'],
        (event) => {
          seen.push(event.kind);
        },
      );
      const response = await b.post('api/callbacks', [
        cloudEvent('PlayStarted', { callConnectionId: 'call-4' }),
        cloudEvent('ParticipantsUpdated', { callConnectionId: 'call-4' }),
        cloudEvent('PlayCompleted', { callConnectionId: 'call-4' }),
        cloudEvent('PlayCompleted', { callConnectionId: 'other-call' }),
      ]);
      expect(response.status).toBe(200);
      await waitFor(() => seen.length === 2, 'both events on A');
      expect(seen).toEqual(['PlayStarted', 'PlayCompleted']);
    } finally {
      await closeAll([a, b]);
    }
  });

  it('frees the call on every replica after CallDisconnected', async () => {
    const apps = (await startCluster(3, options())) as [TestApp, TestApp, TestApp];
    const [a, b, c] = apps;
    try {
      const waiting = a.processor
        .waitForEvent({ callConnectionId: 'call-5', kind: 'PlayCompleted' })
        .catch((error: unknown) => error);
      let ongoingRuns = 0;
      c.processor.attachOngoingEventProcessor('call-5', '*', () => {
        ongoingRuns++;
      });
      expect(c.processor.snapshot().callsWithOngoingHandlers).toBe(1);
      const disconnected = cloudEvent('CallDisconnected', { callConnectionId: 'call-5' });
      expect((await b.post('api/callbacks', [disconnected])).status).toBe(200);
      const error = await waiting;
      expect(error).toBeInstanceOf(CallDisconnectedError);
      expect((error as CallDisconnectedError).callConnectionId).toBe('call-5');
      await waitFor(
        () => c.processor.snapshot().callsWithOngoingHandlers === 0,
        'C to detach the call',
      );
      await waitFor(() => ongoingRuns === 1, 'C to run its handler for the CallDisconnected');
      for (const app of apps) {
        await waitFor(
          () => app.processor.snapshot().recentlyDisconnectedCalls === 1,
          'every replica to know the call ended',
        );
        expect(app.processor.snapshot().backlogEvents).toBe(0);
      }
    } finally {
      await closeAll(apps);
    }
  });

  it('hands every event to every replica once, in the same order, wherever it was posted', async () => {
    const apps = (await startCluster(3, options())) as [TestApp, TestApp, TestApp];
    try {
      const seen = apps.map(() => [] as string[]);
      apps.forEach((app, index) => {
        app.processor.attachOngoingEventProcessor('call-6', '*', (_event, metadata) => {
          seen[index]?.push(metadata.id);
        });
      });
      const posted: string[] = [];
      for (let index = 0; index < 30; index++) {
        const event = cloudEvent('ParticipantsUpdated', { callConnectionId: 'call-6' });
        posted.push(event.id);
        const response = await apps[index % 3]?.post('api/callbacks', [event]);
        expect(response?.status).toBe(200);
      }
      // And a burst of concurrent posts: every replica still sees each event once, all in one order.
      const burst = Array.from({ length: 30 }, () =>
        cloudEvent('ParticipantsUpdated', { callConnectionId: 'call-6' }),
      );
      const responses = await Promise.all(
        burst.map((event, index) => apps[index % 3]?.post('api/callbacks', [event])),
      );
      expect(responses.every((response) => response?.status === 200)).toBe(true);
      await waitFor(() => seen.every((ids) => ids.length === 60), 'all events on every replica');
      expect(seen[0]?.slice(0, 30)).toEqual(posted);
      expect(new Set(seen[0]).size).toBe(60);
      expect(seen[1]).toEqual(seen[0]);
      expect(seen[2]).toEqual(seen[0]);
    } finally {
      await closeAll(apps);
    }
  });

  it('takes the redis option from a forRootAsync factory', async () => {
    const redisOptions = options();
    @Injectable()
    class AppConfig {
      readonly redis = redisOptions;
    }
    @Module({ providers: [AppConfig], exports: [AppConfig] })
    class ConfigModule {}
    const module = () =>
      CallAutomationModule.forRootAsync({
        imports: [ConfigModule],
        inject: [AppConfig],
        useFactory: (config: AppConfig) => ({ redis: config.redis }),
      });
    const a = await startApp({ module: module() });
    const b = await startApp({ module: module() });
    try {
      const waiting = a.processor.waitForEvent({ callConnectionId: 'call-7' });
      expect(
        (
          await b.post('api/callbacks', [
            cloudEvent('CallConnected', { callConnectionId: 'call-7' }),
          ])
        ).status,
      ).toBe(200);
      expect(await waiting).toMatchObject({ kind: 'CallConnected' });
    } finally {
      await closeAll([a, b]);
    }
  });
});
