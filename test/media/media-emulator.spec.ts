import 'reflect-metadata';
import {
  CallAutomationService,
  CallDisconnectedError,
  MediaStreamClosedError,
} from 'nestjs-call-automation';
import { AcsEmulator } from 'nestjs-call-automation/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ADAPTERS, freePort, startApp } from '../support/app';
import { MediaRecorder } from './support';

const CALLER = { phoneNumber: '+15550100100' };

/** The emulator (real SDK client, signed handshakes) and an app with auth and publicUrl. */
async function startWithEmulator(adapter: (typeof ADAPTERS)[number]) {
  const emulator = await new AcsEmulator({
    eventDelayMs: 2,
    audioFrameIntervalMs: 2,
    transcriptStepMs: 1,
  }).start();
  const port = await freePort();
  const test = await startApp({
    adapter,
    port,
    providers: [MediaRecorder],
    options: {
      connectionString: emulator.connectionString,
      clientOptions: { allowInsecureConnection: true },
      callbackUri: `http://127.0.0.1:${port}/api/callbacks`,
      auth: emulator.auth,
      mediaStreaming: { publicUrl: `ws://127.0.0.1:${port}/api/media` },
    },
  });
  return { emulator, test, calls: test.app.get(CallAutomationService) };
}

describe.each(ADAPTERS)(
  'media streaming against the emulator (real SDK client) on %s',
  (adapter) => {
    let env: Awaited<ReturnType<typeof startWithEmulator>> | undefined;
    afterEach(async () => {
      await env?.test.close();
      await env?.emulator.stop();
    });

    it('startMediaStreaming and startTranscription: signed sockets to publicUrl, audio both ways, the transcript as a call event', async () => {
      env = await startWithEmulator(adapter);
      const { emulator, test, calls } = env;
      emulator.script.party(CALLER.phoneNumber, { says: ['I want to pay my bill'], keys: '7' });
      // No transportUrl: the module fills in mediaStreaming.publicUrl.
      const created = await calls.createCall(
        { targetParticipant: CALLER },
        {
          mediaStreamingOptions: {
            transportType: 'websocket',
            contentType: 'audio',
            audioChannelType: 'mixed',
            enableBidirectional: true,
            enableDtmfTones: true,
          },
          transcriptionOptions: { transportType: 'websocket', locale: 'en-US' },
        },
      );
      expect((await created.waitForEventProcessor()).isSuccess).toBe(true);
      const id = created.callConnectionProperties.callConnectionId ?? '';
      const media = calls.getCallMedia(id);

      const tone = test.processor.waitForEvent({ callConnectionId: id, kind: 'DtmfData' });
      const streaming = await media.startMediaStreaming();
      expect((await streaming.waitForEventProcessor()).successResult?.kind).toBe(
        'MediaStreamingStarted',
      );
      const session = await test.processor.waitForMediaStream(id);
      expect(emulator.call(id).mediaStream?.transportUrl).toBe(
        test.url('api/media').replace(/^http/, 'ws'),
      );
      expect(session.correlationId).toBe(emulator.call(id).correlationId);
      const frames = session.audio();
      const first = await frames.next();
      expect(Buffer.from(first.value?.data ?? '', 'base64')).toHaveLength(640);
      expect(session.audioMetadata).toMatchObject({ sampleRate: 16000, encoding: 'PCM' });
      // The caller's key, streamed as DtmfData, is a call event.
      expect(await tone).toMatchObject({ kind: 'DtmfData', data: '7', callConnectionId: id });

      // Outbound audio and a barge-in, as ACS records them.
      const pcm = new Uint8Array(640).fill(3);
      await session.sendAudio(pcm);
      await session.sendAudio(pcm);
      session.stopAudio();
      const stream = emulator.call(id).mediaStream;
      await stream?.waitForOutboundAudio(1280);
      await expect.poll(() => stream?.stopAudioCount).toBe(1);
      expect(stream?.outboundAudio.equals(Buffer.concat([pcm, pcm]))).toBe(true);

      // Live transcription: its own socket; the final transcript reaches waitForEvent.
      const final = test.processor.waitForEvent(
        (event) =>
          event.kind === 'TranscriptionData' &&
          event.callConnectionId === id &&
          event.resultState === 'Final',
      );
      const transcription = await media.startTranscription({ locale: 'en-US' });
      expect((await transcription.waitForEventProcessor()).isSuccess).toBe(true);
      expect(await final).toMatchObject({ text: 'I want to pay my bill', callConnectionId: id });
      await test.processor.whenIdle();
      expect(
        test.app.get(MediaRecorder).events.some((event) => event.kind === 'TranscriptionData'),
      ).toBe(true);

      // The hang-up closes the call's sessions (ACS's close or the CallDisconnected, whichever is first).
      await calls.getCallConnection(id).hangUp(true);
      await session.closed;
      const reason = session.signal.reason;
      expect(
        reason instanceof CallDisconnectedError || reason instanceof MediaStreamClosedError,
      ).toBe(true);
      await expect.poll(() => test.processor.snapshot().mediaSessions).toBe(0);
    });
  },
);
