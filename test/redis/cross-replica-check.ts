import { Injectable } from '@nestjs/common';
import {
  type CallAutomationRedisOptions,
  type CallEvent,
  type CallEventMetadata,
  OnCallEvent,
} from 'nestjs-call-automation';
import { expect } from 'vitest';
import type { TestApp } from '../support/app';
import { cloudEvent } from '../support/events';
import { closeAll, startCluster, waitFor } from './cluster';

/** CloudEvent ids of every `@OnCallEvent('*')` run, of every replica of the test file. */
export const handledIds: string[] = [];

@Injectable()
export class HandledIdRecorder {
  @OnCallEvent('*')
  record(_event: CallEvent, metadata: CallEventMetadata): void {
    handledIds.push(metadata.id);
  }
}

/**
 * What scale-out promises, on any form of the `redis` option: two replicas; a webhook on B
 * settles a waiter on A; the same event again (on A) is a duplicate; its handler ran once.
 */
export async function expectCrossReplicaDelivery(
  redis: CallAutomationRedisOptions,
  callConnectionId: string,
): Promise<void> {
  const [a, b] = (await startCluster(2, redis, [HandledIdRecorder])) as [TestApp, TestApp];
  try {
    const waiting = a.processor.waitForEvent({ callConnectionId, kind: 'PlayCompleted' });
    const played = cloudEvent('PlayCompleted', { callConnectionId });
    const response = await b.post('api/callbacks', [played]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 1, dispatched: 1, duplicates: 0 });
    expect(await waiting).toMatchObject({ kind: 'PlayCompleted', callConnectionId });
    const again = await a.post('api/callbacks', [played]);
    expect(await again.json()).toEqual({ received: 1, dispatched: 0, duplicates: 1 });
    await waitFor(() => handledIds.includes(played.id), 'the handler of the event');
    await Promise.all([a, b].map((app) => app.processor.whenIdle()));
    expect(handledIds.filter((id) => id === played.id)).toHaveLength(1);
  } finally {
    await closeAll([a, b]);
  }
}
