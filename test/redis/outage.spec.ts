import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import {
  type CallEvent,
  type CallEventMetadata,
  OnCallEvent,
  type ProcessSummary,
} from 'nestjs-call-automation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { cloudEvent } from '../support/events';
import { closedPort, type RedisUnderTest, useRedis } from '../support/redis-server';
import { closeAll, startCluster, waitFor } from './cluster';

/** Posts until the webhook answers 200 (as ACS retries), counting the 503 answers. */
async function postUntilAccepted(
  app: TestApp,
  body: unknown,
  counter: { unavailable: number },
): Promise<ProcessSummary> {
  for (;;) {
    const response = await app.post('api/callbacks', body);
    if (response.status === 200) return (await response.json()) as ProcessSummary;
    expect(response.status).toBe(503);
    counter.unavailable++;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Every `@OnCallEvent('*')` run of the replicas of this file: the CloudEvent ids. */
const handled: string[] = [];
const handledIds = (): string[] => handled;

@Injectable()
class HandlerRecorder {
  @OnCallEvent('*')
  record(_event: CallEvent, metadata: CallEventMetadata): void {
    handled.push(metadata.id);
  }
}

/** Ids whose handler started on a replica that never finishes it. */
const stuck: string[] = [];

@Injectable()
class StuckHandler {
  @OnCallEvent('*')
  hang(_event: CallEvent, metadata: CallEventMetadata): Promise<void> {
    stuck.push(metadata.id);
    return new Promise(() => {});
  }
}

describe('Scale-out when Redis fails', () => {
  let redis: RedisUnderTest;

  beforeAll(async () => {
    redis = await useRedis({ own: true });
  });
  afterAll(async () => {
    await redis?.close();
  });

  const options = () => ({ url: redis.url, keyPrefix: redis.uniquePrefix() });

  it('answers 503 while Redis is down, logs it, and accepts the redelivery once it is back', async () => {
    const app = await startApp({ options: { redis: options() } });
    try {
      await redis.stop();
      const event = cloudEvent('PlayCompleted', { callConnectionId: 'call-1' });
      const refused = await app.post('api/callbacks', [event]);
      expect(refused.status).toBe(503);
      const answer = JSON.stringify(await refused.json());
      expect(answer).toMatch(/could not be handed over.*Deliver them again later/);
      expect(answer).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/); // the cause is logged, not sent
      expect(app.logger.messages('error').join('\n')).toMatch(/answered 503.*unreachable/);
      await redis.start();
      const waiting = app.processor.waitForEvent({ callConnectionId: 'call-1' });
      const summary = await postUntilAccepted(app, [event], { unavailable: 0 });
      expect(summary).toEqual({ received: 1, dispatched: 1, duplicates: 0 });
      expect(await waiting).toMatchObject({ kind: 'PlayCompleted' });
      expect(app.logger.messages('warn').join('\n')).toMatch(/Lost the Redis connection/);
      await waitFor(
        () => app.logger.messages('log').some((line) => /Reconnected to Redis/.test(line)),
        'the reconnect to be logged',
      );
    } finally {
      await redis.start();
      await app.close();
    }
  });

  it('runs the handlers of an event whose hand-over timed out in a stall, once, when Redis resumes', async () => {
    const app = await startApp({ options: { redis: options() }, providers: [HandlerRecorder] });
    try {
      // A first hand-over loads the script into Redis (a stalled EVALSHA of an unknown script
      // would fail with NOSCRIPT on resume, and nothing would run).
      const warmUp = cloudEvent('PlayCompleted', { callConnectionId: 'call-stall' });
      expect((await app.post('api/callbacks', [warmUp])).status).toBe(200);
      redis.pause();
      const stalled = cloudEvent('PlayCompleted', { callConnectionId: 'call-stall' });
      const response = await app.post('api/callbacks', [stalled]);
      expect(response.status).toBe(503);
      expect(app.logger.messages('error').join('\n')).toMatch(/did not take the events/);
      // The script was still queued on the socket: Redis runs it when it resumes.
      redis.resume();
      const summary = await postUntilAccepted(app, [stalled], { unavailable: 0 });
      expect(summary).toEqual({ received: 1, dispatched: 0, duplicates: 1 });
      // The redelivery is a duplicate, yet the handlers ran: they come from the stream.
      await waitFor(() => handledIds().includes(stalled.id), 'the handler of the stalled event');
      // Once: an event posted after it is handled, and the stalled one still ran only once.
      const later = cloudEvent('PlayCompleted', { callConnectionId: 'call-stall' });
      await postUntilAccepted(app, [later], { unavailable: 0 });
      await waitFor(() => handledIds().includes(later.id), 'the handler of a later event');
      await app.processor.whenIdle();
      expect(handledIds().filter((id) => id === stalled.id)).toHaveLength(1);
    } finally {
      redis.resume();
      await app.close();
    }
  });

  it('runs the handlers of a replica that died mid-handler on another, after redis.handlerClaimTimeoutMs', async () => {
    const redisOptions = { ...options(), handlerClaimTimeoutMs: 500 };
    // A's handler never ends (as if its process froze or was killed while it ran).
    const a = await startApp({
      options: { redis: redisOptions, shutdownGraceMs: 100 },
      providers: [StuckHandler],
    });
    const event = cloudEvent('CallConnected', { callConnectionId: 'call-died' });
    try {
      expect((await a.post('api/callbacks', [event])).status).toBe(200);
      await waitFor(() => stuck.includes(event.id), 'A to start the handler');
    } finally {
      await a.close(); // gives up on the handler after shutdownGraceMs: nothing acknowledged
    }
    const b = await startApp({ options: { redis: redisOptions }, providers: [HandlerRecorder] });
    try {
      await waitFor(() => handledIds().includes(event.id), 'B to take the handler run over');
      expect(handledIds().filter((id) => id === event.id)).toHaveLength(1);
    } finally {
      await b.close();
    }
  });

  it('leaves no dedupe mark when the hand-over fails, so the redelivery is accepted', async () => {
    const redisOptions = options();
    const [a, b] = (await startCluster(2, redisOptions)) as [TestApp, TestApp];
    try {
      // The stream key holds a string: the script fails at XADD's step, after the dedupe check.
      await redis.admin.set(`${redisOptions.keyPrefix}events`, 'not a stream');
      const event = cloudEvent('CallConnected', { callConnectionId: 'call-2' });
      const refused = await b.post('api/callbacks', [event]);
      expect(refused.status).toBe(503);
      await redis.admin.del(`${redisOptions.keyPrefix}events`);
      const waiting = a.processor.waitForEvent({ callConnectionId: 'call-2' });
      const accepted = await b.post('api/callbacks', [event]);
      expect(await accepted.json()).toEqual({ received: 1, dispatched: 1, duplicates: 0 });
      expect(await waiting).toMatchObject({ kind: 'CallConnected' });
    } finally {
      await closeAll([a, b]);
    }
  });

  it('keeps every waiter, and runs the handlers of what it accepted after, through a Redis restart mid-traffic', async () => {
    const [a, b] = (await startCluster(2, options(), [HandlerRecorder])) as [TestApp, TestApp];
    try {
      const events = Array.from({ length: 20 }, (_, index) =>
        cloudEvent('PlayCompleted', {
          callConnectionId: 'call-3',
          operationContext: `op-${index}`,
        }),
      );
      const waiters = events.map((_, index) =>
        a.processor.waitForEvent({
          callConnectionId: 'call-3',
          operationContext: `op-${index}`,
          kind: 'PlayCompleted',
        }),
      );
      const counter = { unavailable: 0 };
      for (const event of events.slice(0, 8)) await postUntilAccepted(b, [event], counter);
      // What was answered 200 before the crash has reached A (without persistence, Redis
      // forgets what a replica had not read yet when it crashes).
      await Promise.all(waiters.slice(0, 8));
      await redis.stop();
      const restarted = (async () => {
        await waitFor(() => counter.unavailable > 0, 'a 503 while Redis is down');
        await redis.start();
      })();
      for (const event of events.slice(8)) await postUntilAccepted(b, [event], counter);
      await restarted;
      const results = await Promise.all(waiters);
      // The restart emptied Redis, consumer group included: it is made again, and the
      // handlers of every event accepted after the restart run.
      await waitFor(
        () => events.slice(8).every((event) => handledIds().includes(event.id)),
        'the handlers of the events accepted after the restart',
      );
      expect(results.map((event) => event.operationContext)).toEqual(
        events.map((event) => event.data.operationContext),
      );
      expect(counter.unavailable).toBeGreaterThan(0);
      // Both replicas still work both ways after the restart.
      const late = b.processor.waitForEvent({ callConnectionId: 'call-3b' });
      await postUntilAccepted(
        a,
        [cloudEvent('CallConnected', { callConnectionId: 'call-3b' })],
        counter,
      );
      expect(await late).toMatchObject({ kind: 'CallConnected' });
    } finally {
      await redis.start();
      await closeAll([a, b]);
    }
  });

  it('fails start-up with a clear message when Redis cannot be reached', async () => {
    const port = await closedPort();
    await expect(
      startApp({ options: { redis: { url: `redis://:secret@127.0.0.1:${port}` } } }),
    ).rejects.toThrow(
      new RegExp(
        `cannot connect to Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}.*ECONNREFUSED.*check redis\\.url`,
      ),
    );
  });

  it('closes promptly when called right after Redis was killed, restarted or not', async () => {
    /** A liveness bound, not a benchmark: a hang (seen at over 30 s) exceeds it by far. */
    const closesWithin10s = async (app: TestApp): Promise<'closed' | 'hung'> => {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<'hung'>((resolve) => {
        timer = setTimeout(() => resolve('hung'), 10_000);
      });
      const outcome = await Promise.race([app.close().then(() => 'closed' as const), bound]);
      clearTimeout(timer);
      return outcome;
    };
    for (const pauseMs of [0, 50, 300]) {
      const app = await startApp({ options: { redis: options() }, providers: [HandlerRecorder] });
      await redis.stop();
      await redis.start();
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      expect(await closesWithin10s(app), `close ${pauseMs} ms after the restart`).toBe('closed');
    }
    const app = await startApp({ options: { redis: options() }, providers: [HandlerRecorder] });
    await redis.stop();
    try {
      await new Promise((resolve) => setTimeout(resolve, 300)); // reconnecting by now
      expect(await closesWithin10s(app), 'close while Redis is down').toBe('closed');
    } finally {
      await redis.start();
    }
  });

  it('closes its Redis connections on shutdown', async () => {
    const redisOptions = options();
    const apps = await startCluster(2, redisOptions);
    const ours = async () =>
      String(await redis.admin.call('CLIENT', 'LIST'))
        .split('\n')
        .filter((line) => line.includes(`name=nestjs-call-automation:`))
        .filter((line) => line.includes(redisOptions.keyPrefix));
    // Per replica: publishing, reading the stream, reading the handlers' consumer group.
    expect(await ours()).toHaveLength(6);
    await closeAll(apps);
    await waitFor(async () => (await ours()).length === 0, 'the connections to close');
  });
});
