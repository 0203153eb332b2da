import 'reflect-metadata';
import type { TranscriptionDataEvent } from 'nestjs-call-automation';
import { AcsEmulator } from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisUnderTest, useRedis } from '../support/redis-server';
import {
  answeredCall,
  MEDIA_OPTIONS,
  type MediaE2e,
  mediaSessionOf,
  startMediaE2e,
  TRANSCRIPTION_OPTIONS,
  until,
} from './support';

describe('media streaming end to end with two replicas on Redis', () => {
  let redis: RedisUnderTest;
  let emulator: AcsEmulator;
  const replicas: MediaE2e[] = [];

  beforeAll(async () => {
    redis = await useRedis();
    emulator = await new AcsEmulator({
      eventDelayMs: 5,
      audioFrameIntervalMs: 5,
      transcriptStepMs: 2,
    }).start();
    const module = { redis: { url: redis.url, keyPrefix: redis.uniquePrefix() } };
    replicas.push(await startMediaE2e({ emulator, module }));
    replicas.push(await startMediaE2e({ emulator, module }));
  });
  afterAll(async () => {
    for (const replica of replicas) {
      expect(replica.test.logger.messages('error')).toEqual([]);
      await replica.close();
    }
    await emulator?.stop();
    await redis?.close();
  });

  it('a transcript arriving on replica B’s socket resolves a waiter on replica A; the hang-up on A closes B’s sessions', async () => {
    const [a, b] = replicas as [MediaE2e, MediaE2e];
    // A answers (the call's callbacks come to A); ACS's sockets reach B, as a load balancer in
    // front of the replicas may route them: here the transportUrl names B.
    const { call } = await answeredCall(
      a,
      { says: ['agent please'] },
      {
        media: { ...MEDIA_OPTIONS, transportUrl: b.publicUrl },
        transcription: { ...TRANSCRIPTION_OPTIONS, transportUrl: b.publicUrl },
      },
    );
    const id = call.callConnectionId;
    const final = await a.processor.waitForEvent<TranscriptionDataEvent>(
      (event) =>
        event.kind === 'TranscriptionData' &&
        event.callConnectionId === id &&
        event.resultState === 'Final',
    );
    expect(final).toMatchObject({ text: 'agent please', callConnectionId: id });
    // The sockets, and the audio, stay on B.
    const media = await mediaSessionOf(b, id);
    expect(a.recorder.sessions).toHaveLength(0);
    expect(a.processor.snapshot().mediaSessions).toBe(0);
    expect(b.processor.snapshot().mediaSessions).toBe(2);
    expect((await media.audio().next()).done).toBe(false);
    // Each transcript ran the cluster's @OnCallEvent handlers once.
    await until(
      () =>
        [...a.recorder.transcripts, ...b.recorder.transcripts].some((e) => e.text === final.text),
      'an @OnCallEvent handler got the final transcript',
    );
    const handled = [...a.recorder.transcripts, ...b.recorder.transcripts].filter(
      (event) => event.callConnectionId === id && event.resultState === 'Final',
    );
    expect(handled).toHaveLength(1);

    // The app hangs up on A: CallDisconnected reaches B over Redis (and ACS closes the socket).
    await call.hangUp();
    await media.closed;
    await until(() => b.processor.snapshot().mediaSessions === 0, 'B closed both sessions');
  });
});
