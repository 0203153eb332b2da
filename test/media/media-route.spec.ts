import 'reflect-metadata';
import { afterEach, describe, expect, it } from 'vitest';
import { ADAPTERS, type TestApp } from '../support/app';
import { connectAsAcs, MediaRecorder, MESSAGES, startMediaApp, until, wsUrl } from './support';

describe.each(ADAPTERS)('media WebSocket route on %s', (adapter) => {
  let test: TestApp;
  afterEach(async () => {
    await test?.close();
  });

  it('opens a session per socket and gives it to @OnMediaStream and waitForMediaStream', async () => {
    test = await startMediaApp({ adapter });
    const waiting = test.processor.waitForMediaStream('call-1');
    const acs = await connectAsAcs(wsUrl(test), {
      callConnectionId: 'call-1',
      correlationId: 'corr-1',
    });
    const session = await waiting;
    expect(session.callConnectionId).toBe('call-1');
    expect(session.correlationId).toBe('corr-1');
    const recorder = test.app.get(MediaRecorder);
    await until(() => recorder.sessions.length === 1);
    expect(recorder.sessions[0]).toBe(session);
    acs.send(MESSAGES.audioMetadata());
    acs.send(MESSAGES.audioData(Buffer.from('frame-1').toString('base64')));
    const frames = session.audio();
    const first = await frames.next();
    expect(first.value?.data).toBe(Buffer.from('frame-1').toString('base64'));
    expect(session.audioMetadata).toMatchObject({ sampleRate: 16000, encoding: 'PCM' });
    expect(test.processor.snapshot().mediaSessions).toBe(1);
    acs.socket.close();
    await session.closed;
    expect(await frames.next()).toEqual({ value: undefined, done: true });
    expect(test.processor.snapshot().mediaSessions).toBe(0);
  });
});
