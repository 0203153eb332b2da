import 'reflect-metadata';
import { StreamingData } from '@azure/communication-call-automation';
import {
  CallAutomationModule,
  CallDisconnectedError,
  MediaStreamClosedError,
  type MediaStreamSession,
} from 'nestjs-call-automation';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { ADAPTERS, type TestApp } from '../support/app';
import { cloudEvent } from '../support/events';
import {
  connectAsAcs,
  MESSAGES,
  MediaRecorder,
  refusedHandshake,
  startMediaApp,
  until,
  wsUrl,
} from './support';

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Reads `count` frames of a session's audio(). */
async function readFrames(session: MediaStreamSession, count: number): Promise<string[]> {
  const frames: string[] = [];
  const iterator = session.audio();
  while (frames.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    frames.push(next.value.data);
  }
  return frames;
}

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
    expect(test.processor.snapshot().mediaSessions).toBe(1);
    acs.socket.close();
    await session.closed;
    expect(session.signal.aborted).toBe(true);
    expect(session.signal.reason).toBeInstanceOf(MediaStreamClosedError);
    expect(test.processor.snapshot().mediaSessions).toBe(0);
  });

  it('reads every kind as the SDK parses it: audio on the session, transcripts and tones as call events', async () => {
    test = await startMediaApp({ adapter });
    const acs = await connectAsAcs(wsUrl(test), {
      callConnectionId: 'call-1',
      correlationId: 'corr-1',
    });
    const session = await test.processor.waitForMediaStream('call-1');
    const texts = {
      audioMetadata: JSON.stringify(MESSAGES.audioMetadata()),
      audioData: JSON.stringify(MESSAGES.audioData(b64('pcm'), '4:+15551234567')),
      transcriptionMetadata: JSON.stringify(MESSAGES.transcriptionMetadata('call-1')),
      transcriptionData: JSON.stringify(MESSAGES.transcriptionData('I want to pay my bill')),
      dtmfData: JSON.stringify(MESSAGES.dtmfData('7')),
    };
    const transcript = test.processor.waitForEvent({
      callConnectionId: 'call-1',
      kind: 'TranscriptionData',
    });
    const tone = test.processor.waitForEvent({ callConnectionId: 'call-1', kind: 'DtmfData' });
    for (const text of Object.values(texts)) acs.send(text);
    const { value: frame } = await session.audio().next();
    const sdk = (text: string) => ({
      kind: JSON.parse(text).kind as string,
      ...(StreamingData.parse(text) as object),
    });
    expect(frame).toStrictEqual(sdk(texts.audioData));
    expect(session.audioMetadata).toStrictEqual(StreamingData.parse(texts.audioMetadata));
    const call = { callConnectionId: 'call-1', correlationId: 'corr-1' };
    expect(await transcript).toEqual({ ...sdk(texts.transcriptionData), ...call });
    expect(await tone).toEqual({ ...sdk(texts.dtmfData), ...call });
    // The event's types are the SDK's, with the call added.
    const final = await transcript;
    expect(final.resultState).toBe('Final');
    expect(final.text).toBe('I want to pay my bill');
    expect(final.participant).toMatchObject({ phoneNumber: '+15551234567' });
  });

  it('takes the call from the transcription metadata when the header is missing', async () => {
    test = await startMediaApp({ adapter });
    const waiting = test.processor.waitForMediaStream('from-metadata');
    const acs = await connectAsAcs(wsUrl(test));
    acs.send(MESSAGES.transcriptionMetadata('from-metadata'));
    const session = await waiting;
    expect(session.callConnectionId).toBe('from-metadata');
  });

  it('keeps several concurrent calls apart: each session yields its own frames, in order', async () => {
    test = await startMediaApp({ adapter });
    const calls = ['a', 'b', 'c', 'd', 'e'];
    const sockets = await Promise.all(
      calls.map((call) => connectAsAcs(wsUrl(test), { callConnectionId: `call-${call}` })),
    );
    const sessions = await Promise.all(
      calls.map((call) => test.processor.waitForMediaStream(`call-${call}`)),
    );
    const transcripts = calls.map((call) =>
      test.processor.waitForEvent({ callConnectionId: `call-${call}`, kind: 'TranscriptionData' }),
    );
    // Interleaved: frame i of every call before frame i+1 of any.
    for (let i = 0; i < 30; i++) {
      for (const [index, acs] of sockets.entries()) {
        acs.send(MESSAGES.audioData(b64(`${calls[index]}-${i}`)));
      }
    }
    for (const [index, acs] of sockets.entries()) {
      acs.send(MESSAGES.transcriptionData(`said ${calls[index]}`));
    }
    const frames = await Promise.all(sessions.map((session) => readFrames(session, 30)));
    frames.forEach((list, index) => {
      expect(list).toEqual(Array.from({ length: 30 }, (_, i) => b64(`${calls[index]}-${i}`)));
    });
    const texts = await Promise.all(transcripts);
    expect(texts.map((event) => event.text)).toEqual(calls.map((call) => `said ${call}`));
  });

  it('sends outbound audio and StopAudio as ACS expects them', async () => {
    test = await startMediaApp({ adapter });
    const acs = await connectAsAcs(wsUrl(test), { callConnectionId: 'call-1' });
    const session = await test.processor.waitForMediaStream('call-1');
    const pcm = Uint8Array.from({ length: 640 }, (_, i) => (i * 7) % 256);
    await session.sendAudio(pcm);
    session.stopAudio();
    await until(() => acs.received.length === 2);
    expect(acs.received[0]).toBe(
      `{"kind":"AudioData","audioData":{"data":"${Buffer.from(pcm).toString('base64')}"}}`,
    );
    expect(acs.received[1]).toBe('{"kind":"StopAudio","audioData":null,"stopAudio":{}}');
    acs.socket.close();
    await session.closed;
    await expect(session.sendAudio(pcm)).rejects.toBeInstanceOf(MediaStreamClosedError);
  });

  it('bounds outbound audio when ACS does not read: sendAudio rejects past the queue, stopAudio drops it', async () => {
    test = await startMediaApp({ adapter });
    const acs = await connectAsAcs(wsUrl(test), { callConnectionId: 'call-1' });
    const session = await test.processor.waitForMediaStream('call-1');
    // ACS stops reading: the kernel's buffers fill, then the socket's, then the session's queue.
    (acs.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const frame = new Uint8Array(32 * 1024);
    const sent: Promise<void>[] = [];
    let refusal: unknown;
    for (let i = 0; i < 2_000 && refusal === undefined; i++) {
      const sending = session.sendAudio(frame);
      sending.catch((error: unknown) => {
        refusal = error;
      });
      sent.push(sending);
      if (i % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => refusal !== undefined);
    expect(String(refusal)).toMatch(/outbound queue is full/);
    // Barge-in: what is queued here is dropped (its promises resolve), StopAudio goes out.
    session.stopAudio();
    (acs.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    const settled = await Promise.allSettled(sent);
    const rejected = settled.filter((result) => result.status === 'rejected');
    for (const result of rejected) expect(String(result.reason)).toMatch(/queue is full/);
    await until(() => acs.received.at(-1)?.includes('StopAudio') === true);
    const audio = acs.received.filter((text) => text.includes('"AudioData"'));
    // Only what the socket had taken reached ACS; the queue's 1 MiB (23 messages) did not.
    expect(audio.length).toBeGreaterThan(0);
    expect(audio.length).toBeLessThanOrEqual(sent.length - rejected.length - 23);
  });

  it('keeps memory bounded for a consumer that never reads: the oldest frames go, counted', async () => {
    test = await startMediaApp({ adapter });
    const acs = await connectAsAcs(wsUrl(test), { callConnectionId: 'call-1' });
    const session = await test.processor.waitForMediaStream('call-1');
    for (let i = 0; i < 700; i++) acs.send(MESSAGES.audioData(b64(`frame-${i}`)));
    await until(() => session.droppedFrames === 200);
    acs.send(MESSAGES.audioData(b64('last')));
    await until(() => session.droppedFrames === 201);
    const frames = await readFrames(session, 500);
    expect(frames[0]).toBe(b64('frame-201'));
    expect(frames.at(-1)).toBe(b64('last'));
  });

  it('drops a malformed message (logged) and goes on; an unknown kind passes silently', async () => {
    test = await startMediaApp({ adapter });
    const acs = await connectAsAcs(wsUrl(test), { callConnectionId: 'call-1' });
    const session = await test.processor.waitForMediaStream('call-1');
    acs.send('this is not JSON');
    acs.send('{"kind":"AudioData"}');
    acs.send({ kind: 'SomethingNew', somethingNew: {} });
    acs.socket.send(Buffer.from(JSON.stringify(MESSAGES.audioData(b64('binary')))));
    acs.send(MESSAGES.audioData(b64('after')));
    expect(await readFrames(session, 2)).toEqual([b64('binary'), b64('after')]);
    const warnings = test.logger.messages('warn').join('\n');
    expect(warnings).toMatch(
      /Dropped a media stream message of call call-1: the message is not JSON/,
    );
    expect(warnings).toMatch(/AudioData has no audioData object/);
    expect(warnings).not.toMatch(/SomethingNew/);
    expect(session.signal.aborted).toBe(false);
  });

  it('closes a socket whose message is larger than maxMessageBytes with 1009', async () => {
    test = await startMediaApp({ adapter, options: { mediaStreaming: { maxMessageBytes: 1024 } } });
    const acs = await connectAsAcs(wsUrl(test), { callConnectionId: 'call-1' });
    const session = await test.processor.waitForMediaStream('call-1');
    acs.send(MESSAGES.audioData(b64('x'.repeat(600))));
    expect(await readFrames(session, 1)).toHaveLength(1);
    acs.send(MESSAGES.audioData(b64('x'.repeat(2_000))));
    expect((await acs.closed).code).toBe(1009);
    await session.closed;
    expect((session.signal.reason as MediaStreamClosedError).code).toBe(1009);
  });

  it("closes the call's sessions when it disconnects; the signal says why", async () => {
    test = await startMediaApp({ adapter });
    const acs = await connectAsAcs(wsUrl(test), { callConnectionId: 'call-1' });
    const other = await connectAsAcs(wsUrl(test), { callConnectionId: 'call-2' });
    const session = await test.processor.waitForMediaStream('call-1');
    const frames = session.audio();
    await test.processor.processEvents([
      cloudEvent('CallDisconnected', { callConnectionId: 'call-1' }),
    ]);
    expect((await acs.closed).code).toBe(1000);
    expect(session.signal.reason).toBeInstanceOf(CallDisconnectedError);
    expect(await frames.next()).toEqual({ value: undefined, done: true });
    expect(other.socket.readyState).toBe(WebSocket.OPEN);
    expect(test.processor.snapshot().mediaSessions).toBe(1);
  });

  it('closes every session on shutdown (1001): app.close() resolves with sockets open', async () => {
    test = await startMediaApp({ adapter });
    const sockets = await Promise.all(
      ['a', 'b', 'c'].map((call) => connectAsAcs(wsUrl(test), { callConnectionId: call })),
    );
    // One client that never answers the close frame (it stops reading).
    (sockets[2]?.socket as unknown as { _socket: { pause(): void } } | undefined)?._socket.pause();
    await until(() => test.processor.snapshot().mediaSessions === 3);
    await test.close();
    for (const acs of sockets.slice(0, 2)) expect((await acs.closed).code).toBe(1001);
  });

  it("honours the global prefix and leaves the app's own WebSocket routes alone", async () => {
    test = await startMediaApp({ adapter, globalPrefix: 'v1' });
    // The app's own gateway on the same HTTP server, another path.
    const own = new WebSocketServer({ noServer: true });
    own.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo ${data}`)));
    const server = test.app.getHttpServer();
    server.on('upgrade', (request: { url?: string }, socket: never, head: Buffer) => {
      if (request.url === '/v1/chat') {
        own.handleUpgrade(request as never, socket, head, (ws) => own.emit('connection', ws));
      }
    });
    const chat = new WebSocket(test.url('v1/chat').replace(/^http/, 'ws'));
    const echoed = new Promise((resolve) => chat.on('message', (data) => resolve(String(data))));
    chat.on('open', () => chat.send('hi'));
    expect(await echoed).toBe('echo hi');
    chat.close();
    await connectAsAcs(wsUrl(test, 'v1/api/media'), { callConnectionId: 'call-1' });
    await test.processor.waitForMediaStream('call-1');
    expect(test.app.get(MediaRecorder).sessions).toHaveLength(1);
    own.close();
  });

  it('takes its path from forRootAsync', async () => {
    test = await startMediaApp({
      adapter,
      module: CallAutomationModule.forRootAsync({
        useFactory: async () => ({ mediaStreaming: { path: 'ws/acs' } }),
      }),
    });
    await connectAsAcs(wsUrl(test, 'ws/acs'), { callConnectionId: 'call-1' });
    expect((await test.processor.waitForMediaStream('call-1')).callConnectionId).toBe('call-1');
    expect((await refusedHandshake(wsUrl(test, 'api/media'))).status).toBe(404);
  });

  it('answers 404 to an upgrade of another path when nothing else serves it', async () => {
    test = await startMediaApp({ adapter });
    const answer = await refusedHandshake(wsUrl(test, 'api/elsewhere'));
    expect(answer.status).toBe(404);
    expect(test.processor.snapshot().mediaSessions).toBe(0);
  });
});
