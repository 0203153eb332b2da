import 'reflect-metadata';
import type { TranscriptionDataEvent } from 'nestjs-call-automation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll } from '../redis/cluster';
import type { TestApp } from '../support/app';
import { cloudEvent } from '../support/events';
import { type RedisUnderTest, useRedis } from '../support/redis-server';
import { connectAsAcs, MESSAGES, MediaRecorder, startMediaApp, until, wsUrl } from './support';

describe('media streaming with two replicas on Redis', () => {
  let redis: RedisUnderTest;

  beforeAll(async () => {
    redis = await useRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('a transcript arriving on B resolves a waiter on A; audio stays on B; a disconnect on A closes B’s socket', async () => {
    const options = { redis: { url: redis.url, keyPrefix: redis.uniquePrefix() } };
    const a = await startMediaApp({ options });
    let b: TestApp | undefined;
    try {
      b = await startMediaApp({ options });
      const transcript = a.processor.waitForEvent({
        callConnectionId: 'call-1',
        kind: 'TranscriptionData',
      });
      const acs = await connectAsAcs(wsUrl(b), {
        callConnectionId: 'call-1',
        correlationId: 'corr-1',
      });
      const session = await b.processor.waitForMediaStream('call-1');
      acs.send(MESSAGES.audioData(Buffer.from('frame').toString('base64')));
      acs.send(MESSAGES.transcriptionData('I want to pay my bill'));
      const event: TranscriptionDataEvent = await transcript;
      expect(event).toMatchObject({
        kind: 'TranscriptionData',
        callConnectionId: 'call-1',
        correlationId: 'corr-1',
        text: 'I want to pay my bill',
        resultState: 'Final',
        participant: { kind: 'phoneNumber', phoneNumber: '+15551234567' },
        words: [
          { text: 'I', offsetInTicks: 2_500_000, durationInTicks: 2_000_000 },
          {},
          {},
          {},
          {},
          {},
        ],
      });
      // One replica's @OnCallEvent handlers run it (once in the cluster).
      const recorders = [a, b].map((app) => app.app.get(MediaRecorder));
      await until(() => recorders.reduce((sum, recorder) => sum + recorder.events.length, 0) === 1);
      // Audio frames do not travel: only B holds the session.
      expect(a.processor.snapshot().mediaSessions).toBe(0);
      expect(b.processor.snapshot().mediaSessions).toBe(1);
      expect((await session.audio().next()).value?.data).toBe(
        Buffer.from('frame').toString('base64'),
      );
      // The call ends through A's webhook: B's socket closes.
      await a.processor.processEvents([
        cloudEvent('CallDisconnected', { callConnectionId: 'call-1' }),
      ]);
      expect((await acs.closed).code).toBe(1000);
    } finally {
      await closeAll(b ? [a, b] : [a]);
    }
  });
});
