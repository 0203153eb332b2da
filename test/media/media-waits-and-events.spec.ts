import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import {
  CallAutomationConfigurationError,
  CallAutomationShutdownError,
  CallAutomationTimeoutError,
  CallDisconnectedError,
  MediaStreamClosedError,
  type MediaStreamSession,
  OnMediaStream,
  type TranscriptionDataEvent,
} from 'nestjs-call-automation';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { ADAPTERS, startApp, type TestApp } from '../support/app';
import { cloudEvent } from '../support/events';
import { connectAsAcs, MESSAGES, MediaRecorder, startMediaApp, until, wsUrl } from './support';

/** A handler that throws, beside one that echoes: the throw is logged, the echo goes on. */
@Injectable()
class EchoAndThrow {
  @OnMediaStream()
  fail(): void {
    throw new Error('handler broke');
  }

  @OnMediaStream()
  async echo(session: MediaStreamSession): Promise<void> {
    for await (const frame of session.audio()) {
      await session.sendAudio(Buffer.from(frame.data, 'base64'));
    }
  }
}

/** Sends after the hang-up: the rejection is the session's end, not a handler failure. */
@Injectable()
class SendsAfterClose {
  @OnMediaStream()
  async late(session: MediaStreamSession): Promise<void> {
    await session.closed;
    await session.sendAudio(new Uint8Array(4));
  }
}

describe.each(ADAPTERS)('waitForMediaStream on %s', (adapter) => {
  let test: TestApp | undefined;
  afterEach(async () => {
    await test?.close();
  });

  it('resolves with the session that connected before the wait, the same object the handler got', async () => {
    test = await startMediaApp({ adapter });
    await connectAsAcs(wsUrl(test), { callConnectionId: 'early' });
    const recorder = test.app.get(MediaRecorder);
    await until(() => recorder.sessions.length === 1);
    expect(await test.processor.waitForMediaStream('early')).toBe(recorder.sessions[0]);
  });

  it('rejects after its timeout, on abort, on disconnect (before and after) and on shutdown', async () => {
    test = await startMediaApp({ adapter });
    const timedOut = await test.processor
      .waitForMediaStream('c1', { timeoutMs: 20 })
      .catch((error: unknown) => error);
    expect(timedOut).toBeInstanceOf(CallAutomationTimeoutError);
    expect(String(timedOut)).toMatch(/the media stream of call c1/);

    const controller = new AbortController();
    const aborted = test.processor.waitForMediaStream('c1', { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(aborted).rejects.toThrow('caller gave up');

    const pending = test.processor.waitForMediaStream('c2');
    await test.processor.processEvents([
      cloudEvent('CallDisconnected', { callConnectionId: 'c2' }),
    ]);
    await expect(pending).rejects.toBeInstanceOf(CallDisconnectedError);
    // The call is remembered as ended: a later wait rejects at once.
    await expect(test.processor.waitForMediaStream('c2')).rejects.toBeInstanceOf(
      CallDisconnectedError,
    );

    const atShutdown = test.processor.waitForMediaStream('c3').catch((error: unknown) => error);
    await test.close();
    expect(await atShutdown).toBeInstanceOf(CallAutomationShutdownError);
    await expect(test.processor.waitForMediaStream('c4')).rejects.toBeInstanceOf(
      CallAutomationShutdownError,
    );
    test = undefined;
  });

  it('runs every @OnMediaStream handler; one that throws is logged and hurts nothing', async () => {
    test = await startMediaApp({ adapter, providers: [EchoAndThrow] });
    const acs = await connectAsAcs(wsUrl(test), { callConnectionId: 'echo' });
    acs.send(MESSAGES.audioData(Buffer.from('hello').toString('base64')));
    await until(() => acs.received.length === 1);
    expect(JSON.parse(acs.received[0] as string)).toEqual({
      kind: 'AudioData',
      audioData: { data: Buffer.from('hello').toString('base64') },
    });
    expect(test.logger.messages('error').join('\n')).toMatch(
      /EchoAndThrow@fail failed on the media stream of call echo: handler broke/,
    );
  });

  it('does not log a send that failed only because the session ended', async () => {
    test = await startMediaApp({ adapter, providers: [SendsAfterClose] });
    const acs = await connectAsAcs(wsUrl(test), { callConnectionId: 'late' });
    const session = await test.processor.waitForMediaStream('late');
    const rejected = session.closed.then(() =>
      session.sendAudio(new Uint8Array(4)).catch((error: unknown) => error),
    );
    acs.socket.close();
    expect(await rejected).toBeInstanceOf(MediaStreamClosedError);
    await new Promise((resolve) => setImmediate(resolve));
    expect(test.logger.messages('error')).toEqual([]);
  });
});

describe.each(ADAPTERS)('transcription and DTMF as call events on %s', (adapter) => {
  let test: TestApp;
  afterEach(async () => {
    await test?.close();
  });

  it('reach waitForEvent (typed), ongoing handlers, @OnCallEvent and the backlog', async () => {
    test = await startMediaApp({ adapter });
    const acs = await connectAsAcs(wsUrl(test), { callConnectionId: 'call-1' });
    await test.processor.waitForMediaStream('call-1');
    const ongoing: string[] = [];
    test.processor.attachOngoingEventProcessor(
      'call-1',
      ['TranscriptionData', 'DtmfData'],
      (event) => {
        ongoing.push(event.kind);
      },
    );
    const final = test.processor.waitForEvent({
      callConnectionId: 'call-1',
      kind: 'TranscriptionData',
    });
    expectTypeOf(final).resolves.toEqualTypeOf<TranscriptionDataEvent>();
    acs.send(MESSAGES.transcriptionData('I want', 'Intermediate'));
    acs.send(MESSAGES.dtmfData('9'));
    expect((await final).text).toBe('I want');
    // Nobody waited for the tone: the backlog keeps it for a waiter that comes a little later.
    await until(() => ongoing.length === 2);
    const tone = await test.processor.waitForEvent({
      callConnectionId: 'call-1',
      kind: 'DtmfData',
    });
    expect(tone.data).toBe('9');
    await test.processor.whenIdle();
    const recorder = test.app.get(MediaRecorder);
    expect(recorder.events.map((event) => event.kind)).toEqual(['TranscriptionData', 'DtmfData']);
    expect(ongoing).toEqual(['TranscriptionData', 'DtmfData']);
  });

  it('gives each event its own id: two equal transcripts are both delivered', async () => {
    test = await startMediaApp({ adapter });
    const acs = await connectAsAcs(wsUrl(test), { callConnectionId: 'call-1' });
    await test.processor.waitForMediaStream('call-1');
    const texts: string[] = [];
    test.processor.attachOngoingEventProcessor('call-1', 'TranscriptionData', (event) => {
      texts.push(event.text);
    });
    acs.send(MESSAGES.transcriptionData('yes'));
    acs.send(MESSAGES.transcriptionData('yes'));
    await until(() => texts.length === 2);
  });
});

describe('without the mediaStreaming option', () => {
  it('serves no WebSocket, and waitForMediaStream says which option is missing', async () => {
    const test = await startApp();
    try {
      await expect(test.processor.waitForMediaStream('c1')).rejects.toBeInstanceOf(
        CallAutomationConfigurationError,
      );
      await expect(connectAsAcs(wsUrl(test), { callConnectionId: 'c1' })).rejects.toThrow();
    } finally {
      await test.close();
    }
  });
});
