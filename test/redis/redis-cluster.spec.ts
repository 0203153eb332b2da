import 'reflect-metadata';
import { Redis } from 'ioredis';
import { LocalRedisCluster } from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCrossReplicaDelivery } from './cross-replica-check';

/** A three-master Redis Cluster started here (redis-server --cluster-enabled, redis-cli --cluster create). */
describe('Scale-out over a Redis Cluster', () => {
  let cluster: LocalRedisCluster;

  beforeAll(async () => {
    cluster = await LocalRedisCluster.start();
  }, 30_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('settles a waiter on A from a webhook on B, drops duplicates, runs the handler once', async () => {
    await expectCrossReplicaDelivery(
      { cluster: cluster.seeds, keyPrefix: 'cluster-test:' },
      'call-cluster',
    );
  });

  it('keeps every key of the module in the slot of its hash-tagged prefix', async () => {
    await expectCrossReplicaDelivery(
      { cluster: cluster.seeds, keyPrefix: 'tagged:' },
      'call-cluster-keys',
    );
    // Asked node by node: all four keys are on one node, in one slot.
    const perNode: string[][] = [];
    for (const node of cluster.nodes) {
      const admin = new Redis(node.url, { protocol: 2 });
      try {
        perNode.push((await admin.keys('*tagged:*')).sort());
      } finally {
        admin.disconnect();
      }
    }
    const holding = perNode.filter((keys) => keys.length > 0);
    expect(holding).toEqual([
      ['{tagged:}bytes', '{tagged:}events', '{tagged:}seen', '{tagged:}sizes'],
    ]);
  });
});
