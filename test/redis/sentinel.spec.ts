import 'reflect-metadata';
import { LocalRedisSentinel } from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app';
import { cloudEvent } from '../support/events';
import { closeAll, startCluster, waitFor } from './cluster';
import { expectCrossReplicaDelivery, HandledIdRecorder, handledIds } from './cross-replica-check';

/** A primary, a replica and one sentinel, started here; the failover test kills the primary. */
describe('Scale-out over Redis with Sentinel', () => {
  let redis: LocalRedisSentinel;

  beforeAll(async () => {
    redis = await LocalRedisSentinel.start();
  }, 30_000);
  afterAll(async () => {
    await redis?.stop();
  });

  const options = (keyPrefix: string, waitForReplicas = 0) => ({
    sentinels: redis.sentinels,
    name: redis.name,
    keyPrefix,
    waitForReplicas,
  });

  it('settles a waiter on A from a webhook on B, drops duplicates, runs the handler once', async () => {
    await expectCrossReplicaDelivery(options('sentinel-test:'), 'call-sentinel');
  });

  it('with waitForReplicas, answers 200 once a replica has the events and 503 when too few do', async () => {
    const [one] = (await startCluster(1, options('wait-one:', 1))) as [TestApp];
    const [two] = (await startCluster(1, options('wait-two:', 2))) as [TestApp];
    try {
      const first = cloudEvent('PlayCompleted', { callConnectionId: 'call-wait-1' });
      expect((await one.post('api/callbacks', [first])).status).toBe(200);
      // There is one replica: two cannot confirm. The event is in the stream all the same.
      const second = cloudEvent('PlayCompleted', { callConnectionId: 'call-wait-2' });
      const refused = await two.post('api/callbacks', [second]);
      expect(refused.status).toBe(503);
      // The answer says what happened: written, not confirmed, handlers run, retry is a duplicate.
      const answer = JSON.stringify(await refused.json());
      expect(answer).toMatch(
        /written to the Redis primary but not confirmed by 2 Redis replica\(s\) within 1000 ms \(redis.waitForReplicas\); their handlers run all the same\. Deliver them again: the redelivery is recognised as a duplicate/,
      );
      expect(answer).not.toMatch(/nothing was accepted/);
      expect(
        two.logger.lines.some((entry) =>
          /written to the Redis primary but only 1 of the 2 Redis replica\(s\) that redis.waitForReplicas asks for confirmed them within 1000 ms/.test(
            entry.message,
          ),
        ),
      ).toBe(true);
      // ... and a redelivery that a replica confirms is the duplicate the answer announced.
      const [twoOnOne] = (await startCluster(1, options('wait-two:', 1))) as [TestApp];
      try {
        const again = await twoOnOne.post('api/callbacks', [second]);
        expect(again.status).toBe(200);
        expect(await again.json()).toEqual({ received: 1, dispatched: 0, duplicates: 1 });
      } finally {
        await closeAll([twoOnOne]);
      }
    } finally {
      await closeAll([one, two]);
    }
  });

  it('goes on through a failover: 503 during the switch, 200 after, every event answered 200 delivered', async () => {
    const apps = (await startCluster(2, options('failover:', 1), [HandledIdRecorder])) as [
      TestApp,
      TestApp,
    ];
    const oldPrimary = await redis.primaryPort();
    const counts = { events: 0, answered200: 0, answered503: 0, handlersRan: 0 };
    const settled: Promise<unknown>[] = [];
    const accepted: string[] = [];
    try {
      let rejoining: Promise<void> | undefined;
      let restarted = false;
      let promoted: number | undefined;
      let okAfterRestart = 0;
      for (let index = 0; okAfterRestart < 10; index++) {
        const callConnectionId = `call-failover-${index}`;
        for (const app of apps) {
          // The switch takes seconds; a waiter registered before it waits through it.
          settled.push(
            app.processor.waitForEvent(
              { callConnectionId, kind: 'PlayCompleted' },
              { timeoutMs: 60_000 },
            ),
          );
        }
        const event = cloudEvent('PlayCompleted', { callConnectionId });
        counts.events++;
        // Posted like ACS does: again after a 503, until it is taken.
        for (let attempt = 0; ; attempt++) {
          const response = await apps[index % 2]?.post('api/callbacks', [event]);
          if (response?.status === 200) {
            counts.answered200++;
            break;
          }
          expect(response?.status).toBe(503);
          counts.answered503++;
          if (attempt > 600) {
            throw new Error(
              `event ${index} refused for a minute; the sentinel names port ${await redis.primaryPort()} (old ${oldPrimary}), old primary restarted: ${restarted}. Last errors:\n${apps
                .flatMap((app) => app.logger.lines.filter((line) => line.level !== 'log'))
                .slice(-4)
                .map((line) => line.message)
                .join('\n')}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        accepted.push(event.id);
        if (index === 5) {
          await redis.primary.stop();
          // Once the sentinel has promoted the replica, the old primary comes back (empty) as
          // a replica of the new one: waitForReplicas: 1 can be met again.
          rejoining = waitFor(
            async () => (await redis.primaryPort()) !== oldPrimary,
            'the failover',
            60_000,
          ).then(async () => {
            promoted = await redis.primaryPort();
            await redis.primary.restart(['--replicaof', '127.0.0.1', String(promoted)]);
            restarted = true;
          });
        }
        if (restarted) okAfterRestart++;
      }
      await rejoining;
      await Promise.all(settled);
      await waitFor(
        () => accepted.every((id) => handledIds.includes(id)),
        'the handlers of every accepted event',
        20_000,
      );
      counts.handlersRan = accepted.filter((id) => handledIds.includes(id)).length;
      console.log(`Sentinel failover: ${JSON.stringify(counts)}`);
      // The sentinel promoted the replica. (On a loaded machine it may later fail back to the old
      // primary once that has rejoined: what counts is that the switch happened and lost nothing.)
      expect(promoted).toBeDefined();
      expect(promoted).not.toBe(oldPrimary);
      expect(counts.answered503).toBeGreaterThan(0);
      expect(counts.handlersRan).toBe(counts.events);
    } finally {
      await closeAll(apps);
    }
  }, 120_000);
});
