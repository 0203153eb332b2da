import {
  CallAutomationClient,
  createOutboundAudioData,
  createOutboundStopAudioData,
  type MediaStreamingOptions,
  StreamingData,
  type TranscriptionOptions,
} from '@azure/communication-call-automation';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { AcsEmulator } from 'nestjs-call-automation/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BareWebSocketServer } from './bare-websocket-server';
import { AGENT, CALLER, type EmulatorClient, useEmulatorClient } from './support';

/** Every message the emulator sends must be one the SDK's own parser reads as its kind. */
function parsedAll(messages: readonly string[]): { kind: string; json: Record<string, unknown> }[] {
  return messages.map((text) => {
    const json = JSON.parse(text) as { kind: string } & Record<string, unknown>;
    StreamingData.parse(text);
    expect(StreamingData.getStreamingKind()).toBe(json.kind);
    return { kind: json.kind, json };
  });
}

function mediaOptions(
  url: string,
  extra: Partial<MediaStreamingOptions> = {},
): MediaStreamingOptions {
  return {
    transportType: 'websocket',
    transportUrl: url,
    contentType: 'audio',
    audioChannelType: 'mixed',
    ...extra,
  };
}

function transcriptionOptions(
  url: string,
  extra: Partial<TranscriptionOptions> = {},
): TranscriptionOptions {
  return { transportType: 'websocket', transportUrl: url, locale: 'en-US', ...extra };
}

async function createCall(
  env: EmulatorClient,
  options: { media?: MediaStreamingOptions; transcription?: TranscriptionOptions },
) {
  const result = await env.client.createCall({ targetParticipant: CALLER }, env.app.url(), {
    mediaStreamingOptions: options.media,
    transcriptionOptions: options.transcription,
  });
  const id = result.callConnectionProperties.callConnectionId ?? '';
  await env.app.waitForEvent({ kind: 'CallConnected', callConnectionId: id });
  return { id, media: result.callConnection.getCallMedia(), connection: result.callConnection };
}

async function verifiesWithEmulatorKeys(emulator: AcsEmulator, authorization?: string) {
  expect(authorization).toMatch(/^Bearer /);
  const { auth } = emulator;
  const { payload, protectedHeader } = await jwtVerify(
    (authorization ?? '').slice('Bearer '.length),
    createRemoteJWKSet(new URL(auth.jwksUri)),
    { issuer: auth.issuer, audience: auth.audience },
  );
  expect(protectedHeader.alg).toBe('RS256');
  return payload;
}

describe('AcsEmulator: media streaming and transcription over WebSocket', () => {
  const env = useEmulatorClient({
    eventDelayMs: 2,
    audioFrameIntervalMs: 2,
    transcriptStepMs: 1,
  });
  let app: BareWebSocketServer;

  beforeEach(async () => {
    app = await BareWebSocketServer.start();
  });
  afterEach(async () => {
    await app.close();
  });

  it('startMediaStreaming at connect: a signed handshake with the call ids, AudioMetadata, then 20 ms AudioData frames', async () => {
    const { id } = await createCall(env, {
      media: mediaOptions(app.url(), { startMediaStreaming: true }),
    });
    const connection = await app.connection();
    const call = env.emulator.call(id);
    expect(connection.url).toBe('/api/media');
    expect(connection.headers['x-ms-call-connection-id']).toBe(id);
    expect(connection.headers['x-ms-call-correlation-id']).toBe(call.correlationId);
    const claims = await verifiesWithEmulatorKeys(env.emulator, connection.headers.authorization);
    // WebSocket tokens live 24 hours, not a callback's five minutes.
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(24 * 60 * 60);

    const messages = parsedAll(await app.messages(connection, 4));
    expect(messages[0]).toMatchObject({
      kind: 'AudioMetadata',
      json: {
        audioMetadata: { encoding: 'PCM', sampleRate: 16000, channels: 1, length: 640 },
      },
    });
    const metadata = messages[0]?.json.audioMetadata as { subscriptionId: string } | undefined;
    const subscriptionId = metadata?.subscriptionId;
    expect(subscriptionId).toBe(call.mediaStream?.subscriptionId);
    for (const { kind, json } of messages.slice(1)) {
      expect(kind).toBe('AudioData');
      const frame = json.audioData as Record<string, unknown>;
      expect(Buffer.from(String(frame.data), 'base64')).toHaveLength(640);
      expect(new Date(String(frame.timestamp)).toISOString()).toBe(frame.timestamp);
      expect(frame.silent).toBe(false);
      // Mixed audio names no speaker.
      expect(frame.participantRawID).toBeUndefined();
    }
    const started = await env.app.waitForEvent({ kind: 'MediaStreamingStarted' });
    expect(started.event.data).toMatchObject({
      callConnectionId: id,
      mediaStreamingUpdate: { mediaStreamingStatus: 'mediaStreamingStarted' },
    });
    expect(call.media.streaming).toBe(true);
    expect(call.mediaStream?.state).toBe('open');
  });

  it('startMediaStreaming by REST: unmixed 24 kHz frames per participant, given PCM then silence, DTMF, a frame limit', async () => {
    const tone = Buffer.alloc(960 * 2, 7);
    // A frame limit: this emulator sends four ticks, then the socket stays open and quiet.
    const limited = await new AcsEmulator({
      eventDelayMs: 2,
      audioFrameIntervalMs: 2,
      audioFrameLimit: 4,
    }).start();
    try {
      limited.script.party(CALLER.phoneNumber, { audio: tone, keys: '12#' });
      limited.script.party(AGENT.communicationUserId, { audio: 'silence' });
      const client = new CallAutomationClient(limited.connectionString, {
        allowInsecureConnection: true,
      });
      const created = await client.createGroupCall(
        [{ phoneNumber: CALLER.phoneNumber }, AGENT],
        env.app.url(),
        {
          sourceCallIdNumber: { phoneNumber: '+18005550100' },
          mediaStreamingOptions: mediaOptions(app.url('/media?call=1'), {
            audioChannelType: 'unmixed',
            audioFormat: 'pcm24KMono',
            enableDtmfTones: true,
          }),
        },
      );
      const id = created.callConnectionProperties.callConnectionId ?? '';
      await env.app.waitForEvent({ kind: 'CallConnected', callConnectionId: id });
      expect(app.connections).toHaveLength(0);
      await created.callConnection.getCallMedia().startMediaStreaming({ operationContext: 'go' });
      const connection = await app.connection();
      expect(connection.url).toBe('/media?call=1');
      const stream = await limited.call(id).waitForMediaStream();
      await stream.waitForFrames(4);
      // 1 metadata + 4 ticks × 2 participants + 3 DTMF messages.
      const messages = parsedAll(await app.messages(connection, 12));
      expect(messages[0]?.json.audioMetadata).toMatchObject({ sampleRate: 24000, length: 960 });
      const frames = messages.filter(({ kind }) => kind === 'AudioData');
      expect(frames).toHaveLength(8);
      const caller = frames
        .map(({ json }) => json.audioData as Record<string, unknown>)
        .filter((frame) => frame.participantRawID === `4:${CALLER.phoneNumber}`);
      const agent = frames
        .map(({ json }) => json.audioData as Record<string, unknown>)
        .filter((frame) => frame.participantRawID === AGENT.communicationUserId);
      expect(caller).toHaveLength(4);
      expect(agent).toHaveLength(4);
      // The given PCM (two frames' worth), then silence flagged silent.
      expect(caller.map((frame) => frame.silent)).toEqual([false, false, true, true]);
      expect(Buffer.from(String(caller[0]?.data), 'base64')).toEqual(tone.subarray(0, 960));
      expect(agent.every((frame) => frame.silent === true)).toBe(true);
      expect(
        messages.filter(({ kind }) => kind === 'DtmfData').map(({ json }) => json.dtmfData),
      ).toEqual([{ data: '1' }, { data: '2' }, { data: '#' }]);
      expect(stream.sent).toMatchObject({ AudioMetadata: 1, AudioData: 8, DtmfData: 3 });
      await env.app.waitForEvent({ kind: 'MediaStreamingStarted', operationContext: 'go' });
    } finally {
      await limited.stop();
    }
  });

  it('records what the app sends back: outbound audio (both spellings of the kind) and StopAudio, in order', async () => {
    const { id } = await createCall(env, {
      media: mediaOptions(app.url(), { startMediaStreaming: true, enableBidirectional: true }),
    });
    const connection = await app.connection();
    const pcm = Buffer.alloc(640, 3);
    connection.socket.send(
      JSON.stringify({ kind: 'AudioData', audioData: { data: pcm.toString('base64') } }),
    );
    connection.socket.send(createOutboundAudioData(pcm.subarray(0, 320).toString('base64')));
    connection.socket.send(JSON.stringify({ kind: 'StopAudio', audioData: null, stopAudio: {} }));
    connection.socket.send(createOutboundStopAudioData());
    connection.socket.send('not json');
    const stream = env.emulator.mediaStream(id);
    const received = await stream.waitForReceived(5);
    expect(received.map((message) => message.kind)).toEqual([
      'AudioData',
      'audioData',
      'StopAudio',
      'stopAudio',
      undefined,
    ]);
    expect(received[4]?.text).toBe('not json');
    expect(stream.outboundAudioBytes).toBe(960);
    expect(stream.outboundAudioMessages).toBe(2);
    expect(stream.outboundAudio).toEqual(Buffer.concat([pcm, pcm.subarray(0, 320)]));
    expect(stream.stopAudioCount).toBe(2);
    expect(stream.receivedCount).toBe(5);
  });

  it('keeps the first streamRecordLimit messages and counts the rest', async () => {
    const small = await new AcsEmulator({ eventDelayMs: 2, streamRecordLimit: 2 }).start();
    try {
      const client = new CallAutomationClient(small.connectionString, {
        allowInsecureConnection: true,
      });
      const created = await client.createCall({ targetParticipant: CALLER }, env.app.url(), {
        mediaStreamingOptions: mediaOptions(app.url(), { startMediaStreaming: true }),
      });
      const id = created.callConnectionProperties.callConnectionId ?? '';
      const connection = await app.connection();
      const pcm = Buffer.alloc(640, 1).toString('base64');
      for (let index = 0; index < 4; index += 1) {
        connection.socket.send(JSON.stringify({ kind: 'AudioData', audioData: { data: pcm } }));
      }
      const stream = await small.call(id).waitForMediaStream();
      await stream.waitFor(() => stream.receivedCount === 4);
      expect(stream.received).toHaveLength(2);
      expect(stream.outboundAudio).toHaveLength(1280);
      expect(stream.outboundAudioBytes).toBe(2560);
      expect(stream.outboundAudioMessages).toBe(4);
    } finally {
      await small.stop();
    }
  });

  it('pause and resume hold back and restart the frames; the test can push PCM and keys', async () => {
    const { id } = await createCall(env, {
      media: mediaOptions(app.url(), { startMediaStreaming: true, enableDtmfTones: true }),
    });
    const stream = await env.emulator.call(id).waitForMediaStream();
    await stream.waitForOpen();
    await stream.waitForFrames(2);
    stream.pause();
    const connection = await app.connection();
    const pushed = Buffer.alloc(640, 9);
    stream.play(pushed);
    stream.pressKeys('5');
    await app.waitFor(
      () => connection.messages.some((text) => text.includes('DtmfData')),
      5_000,
      'the DTMF',
    );
    expect(stream.paused).toBe(true);
    const ticks = stream.audioFrameTicks;
    const sentBefore = connection.messages.length;
    stream.resume();
    await stream.waitForFrames(ticks + 1);
    // The next frame after the pause carries the pushed PCM, then the caller's tone goes on.
    await app.messages(connection, sentBefore + 1);
    const [next] = parsedAll(connection.messages.slice(sentBefore));
    const frame = next?.json.audioData as { data: string } | undefined;
    expect(frame?.data).toBe(pushed.toString('base64'));
  });

  it('stopMediaStreaming closes the socket (1000) and posts MediaStreamingStopped; a restart connects again', async () => {
    const { id, media } = await createCall(env, {
      media: mediaOptions(app.url(), { startMediaStreaming: true }),
    });
    const first = await app.connection();
    await env.app.waitForEvent({ kind: 'MediaStreamingStarted', callConnectionId: id });
    await media.stopMediaStreaming({ operationContext: 'stop' });
    expect(await first.closed).toBe(1000);
    const stopped = await env.app.waitForEvent({ kind: 'MediaStreamingStopped' });
    expect(stopped.event.data).toMatchObject({
      operationContext: 'stop',
      mediaStreamingUpdate: { mediaStreamingStatus: 'mediaStreamingStopped' },
    });
    const stream = env.emulator.mediaStream(id);
    expect(stream).toMatchObject({ state: 'closed', closeCode: 1000, closedBy: 'emulator' });
    expect(env.emulator.call(id).media.streaming).toBe(false);

    await media.startMediaStreaming({ operationContext: 'again' });
    const second = await app.connection(1);
    await env.app.waitForEvent({ kind: 'MediaStreamingStarted', operationContext: 'again' });
    expect(second.headers['x-ms-call-connection-id']).toBe(id);
    expect(env.emulator.call(id).streams).toHaveLength(2);
  });

  it('hang-up closes the sockets (1000); so does the app’s own hang-up', async () => {
    const first = await createCall(env, {
      media: mediaOptions(app.url(), { startMediaStreaming: true }),
      transcription: transcriptionOptions(app.url('/transcripts'), { startTranscription: true }),
    });
    await app.waitFor(() => app.connections.length === 2, 5_000, 'two sockets');
    await env.emulator.call(first.id).hangUp();
    expect(await Promise.all(app.connections.map((connection) => connection.closed))).toEqual([
      1000, 1000,
    ]);
    const second = await createCall(env, {
      media: mediaOptions(app.url(), { startMediaStreaming: true }),
    });
    const connection = await app.connection(2);
    await second.connection.hangUp(true);
    expect(await connection.closed).toBe(1000);
    const stream = env.emulator.mediaStream(second.id);
    await stream.waitForClose();
    expect(stream).toMatchObject({ state: 'closed', closeCode: 1000, closedBy: 'emulator' });
  });

  it('stopping the emulator closes the sockets with 1001 (going away)', async () => {
    const { id } = await createCall(env, {
      media: mediaOptions(app.url(), { startMediaStreaming: true }),
    });
    const connection = await app.connection();
    await env.emulator.mediaStream(id).waitForOpen();
    await env.emulator.stop();
    expect(await connection.closed).toBe(1001);
  });

  it('an app that closes the socket is recorded as the closer', async () => {
    const { id } = await createCall(env, {
      media: mediaOptions(app.url(), { startMediaStreaming: true }),
    });
    const connection = await app.connection();
    connection.socket.close(4000, 'done');
    const stream = env.emulator.mediaStream(id);
    await stream.waitForClose();
    expect(stream).toMatchObject({ state: 'closed', closeCode: 4000, closedBy: 'app' });
  });

  it('transcription at answer: TranscriptionMetadata, intermediate prefixes, then the final result of what the caller says', async () => {
    const incoming = await env.emulator.placeIncomingCall({
      url: env.app.url('/incoming'),
      from: CALLER.phoneNumber,
      caller: { says: ['I want to pay my bill.'] },
    });
    const answered = await env.client.answerCall(incoming.incomingCallContext, env.app.url(), {
      transcriptionOptions: transcriptionOptions(app.url('/transcripts'), {
        locale: 'en-GB',
        startTranscription: true,
        enableIntermediateResults: true,
      }),
    });
    const id = answered.callConnectionProperties.callConnectionId ?? '';
    const connection = await app.connection();
    expect(connection.url).toBe('/transcripts');
    await verifiesWithEmulatorKeys(env.emulator, connection.headers.authorization);
    // Metadata + 5 intermediate (1..5 of 6 words) + 1 final.
    const messages = parsedAll(await app.messages(connection, 7));
    expect(messages[0]?.json.transcriptionMetadata).toEqual({
      subscriptionId: env.emulator.transcriptionStream(id).subscriptionId,
      locale: 'en-GB',
      callConnectionId: id,
      correlationId: incoming.correlationId,
    });
    const results = messages
      .slice(1)
      .map(({ json }) => json.transcriptionData as Record<string, unknown>);
    expect(results.map((result) => [result.resultStatus, result.text])).toEqual([
      ['Intermediate', 'i'],
      ['Intermediate', 'i want'],
      ['Intermediate', 'i want to'],
      ['Intermediate', 'i want to pay'],
      ['Intermediate', 'i want to pay my'],
      ['Final', 'I want to pay my bill.'],
    ]);
    const final = results[5] as {
      words: { text: string; offset: number; duration: number }[];
      offset: number;
      duration: number;
      confidence: number;
      format: string;
      participantRawID: string;
    };
    expect(final.words.map((word) => word.text)).toEqual(['i', 'want', 'to', 'pay', 'my', 'bill']);
    expect(final).toMatchObject({ format: 'display', participantRawID: `4:${CALLER.phoneNumber}` });
    expect(final.confidence).toBeGreaterThan(0);
    const lastWord = final.words[5] as { offset: number; duration: number };
    expect(final.offset + final.duration).toBe(lastWord.offset + lastWord.duration);
    const parsed = StreamingData.parse(connection.messages[6] ?? '');
    expect(parsed).toMatchObject({
      resultState: 'Final',
      participant: { phoneNumber: CALLER.phoneNumber },
    });
    await env.app.waitForEvent({ kind: 'TranscriptionStarted', callConnectionId: id });

    // More speech, from the test.
    await env.emulator.transcriptionStream(id).say('agent');
    const said = parsedAll(await app.messages(connection, 8)).at(-1);
    expect(said?.json.transcriptionData).toMatchObject({ text: 'agent', resultStatus: 'Final' });
  });

  it('startTranscription by REST without intermediate results; stopTranscription closes the socket and posts TranscriptionStopped', async () => {
    env.emulator.script.party(CALLER.phoneNumber, {
      says: ['goodbye', { text: 'thanks', afterMs: 30 }],
    });
    const { id, media } = await createCall(env, {
      transcription: transcriptionOptions(app.url('/transcripts')),
    });
    await media.startTranscription({ locale: 'fr-FR', operationContext: 't' });
    const connection = await app.connection();
    const messages = parsedAll(await app.messages(connection, 3));
    expect(messages[0]?.json.transcriptionMetadata).toMatchObject({ locale: 'fr-FR' });
    expect(
      messages.slice(1).map(({ json }) => (json.transcriptionData as { text: string }).text),
    ).toEqual(['goodbye', 'thanks']);
    const started = await env.app.waitForEvent({ kind: 'TranscriptionStarted' });
    expect(started.event.data).toMatchObject({
      operationContext: 't',
      transcriptionUpdate: { transcriptionStatus: 'transcriptionStarted' },
    });
    await media.stopTranscription({ operationContext: 'end' });
    expect(await connection.closed).toBe(1000);
    await env.app.waitForEvent({ kind: 'TranscriptionStopped', operationContext: 'end' });
    expect(env.emulator.call(id).media.transcribing).toBe(false);
    // Said once per call: a restart says nothing again; another call to the party says it all.
    await media.startTranscription();
    const again = await app.connection(1);
    await env.app.waitForEvents(2, { kind: 'TranscriptionStarted', callConnectionId: id });
    const other = await createCall(env, {
      transcription: transcriptionOptions(app.url('/transcripts'), { startTranscription: true }),
    });
    const third = await app.connection(2);
    expect(third.headers['x-ms-call-connection-id']).toBe(other.id);
    expect(parsedAll(await app.messages(third, 3)).map(({ kind }) => kind)).toEqual([
      'TranscriptionMetadata',
      'TranscriptionData',
      'TranscriptionData',
    ]);
    // By now the restarted socket would have had its phrases too.
    expect(parsedAll(again.messages).map(({ kind }) => kind)).toEqual(['TranscriptionMetadata']);
  });

  it('nothing listens at the transport URL: MediaStreamingFailed 500/8603 and TranscriptionFailed 400/8581', async () => {
    const gone = await BareWebSocketServer.start();
    const url = gone.url();
    await gone.close();
    const { id, media } = await createCall(env, {
      media: mediaOptions(url),
      transcription: transcriptionOptions(url),
    });
    await media.startMediaStreaming({ operationContext: 'm' });
    const mediaFailed = await env.app.waitForEvent({ kind: 'MediaStreamingFailed' });
    expect(mediaFailed.event.data).toMatchObject({
      operationContext: 'm',
      resultInformation: { code: 500, subCode: 8603 },
      mediaStreamingUpdate: { mediaStreamingStatus: 'mediaStreamingFailed' },
    });
    expect(env.emulator.mediaStream(id).state).toBe('failed');
    expect(env.emulator.call(id).media.streaming).toBe(false);
    await media.startTranscription({ operationContext: 't' });
    const transcriptionFailed = await env.app.waitForEvent({ kind: 'TranscriptionFailed' });
    expect(transcriptionFailed.event.data).toMatchObject({
      operationContext: 't',
      resultInformation: { code: 400, subCode: 8581 },
      transcriptionUpdate: { transcriptionStatus: 'transcriptionFailed' },
    });
  });

  it('an app that refuses the handshake (401) gets the Failed event; the stream says why', async () => {
    const refusing = await BareWebSocketServer.start({ refuseWith: 401 });
    try {
      const { id } = await createCall(env, {
        media: mediaOptions(refusing.url(), { startMediaStreaming: true }),
      });
      await env.app.waitForEvent({ kind: 'MediaStreamingFailed', callConnectionId: id });
      const stream = env.emulator.mediaStream(id);
      expect(stream.state).toBe('failed');
      expect(stream.handshakeRefusedWith).toBe(401);
      await expect(stream.waitForOpen()).rejects.toThrow(/HTTP 401/);
    } finally {
      await refusing.close();
    }
  });

  it('refuses a transport URL that is not ws(s):// with 400, as a bad request', async () => {
    const failure = (await env.client
      .createCall({ targetParticipant: CALLER }, env.app.url(), {
        mediaStreamingOptions: mediaOptions('https://example.com/media'),
      })
      .catch((error: unknown) => error)) as { statusCode?: number };
    expect(failure.statusCode).toBe(400);
  });
});
