import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CallAutomationConfigurationError,
  type CallAutomationModuleOptions,
  CallAutomationService,
} from 'nestjs-call-automation';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveOptions } from '../../lib/options/resolve-options';
import { startApp, type TestApp } from '../support/app';

describe('the mediaStreaming option', () => {
  it('applies the documented defaults', () => {
    expect(resolveOptions({ mediaStreaming: {} }).mediaStreaming).toEqual({
      path: 'api/media',
      maxMessageBytes: 1_048_576,
    });
    expect(resolveOptions({}).mediaStreaming).toBeUndefined();
    expect(
      resolveOptions({
        mediaStreaming: {
          path: '/ws/acs/',
          publicUrl: 'wss://a.example/ws/acs',
          maxMessageBytes: 4096,
        },
      }).mediaStreaming,
    ).toEqual({ path: 'ws/acs', publicUrl: 'wss://a.example/ws/acs', maxMessageBytes: 4096 });
  });

  const wrong: [string, unknown, RegExp][] = [
    ['not an object', 'api/media', /mediaStreaming must be an object/],
    ['an unknown key', { url: 'x' }, /unknown option 'mediaStreaming.url'/],
    ['an empty path', { path: '/' }, /mediaStreaming.path must be a non-empty route path/],
    [
      'an https publicUrl',
      { publicUrl: 'https://a.example/api/media' },
      /mediaStreaming.publicUrl must be an absolute wss:\/\//,
    ],
    ['a relative publicUrl', { publicUrl: '/api/media' }, /mediaStreaming.publicUrl/],
    [
      'a fractional limit',
      { maxMessageBytes: 1.5 },
      /mediaStreaming.maxMessageBytes must be a whole number/,
    ],
    ['a zero limit', { maxMessageBytes: 0 }, /mediaStreaming.maxMessageBytes must be at least 1/],
    [
      'the webhook path',
      { path: 'api/callbacks' },
      /mediaStreaming.path must differ from webhookPath/,
    ],
  ];

  it.each(wrong)('refuses %s, naming the option', (_name, value, message) => {
    const options = { mediaStreaming: value } as CallAutomationModuleOptions;
    expect(() => resolveOptions(options)).toThrow(CallAutomationConfigurationError);
    expect(() => resolveOptions(options)).toThrow(message);
  });
});

/** A stand-in for the ACS REST endpoint that records the bodies the real SDK client sends. */
async function startRecordingEndpoint(): Promise<{
  server: Server;
  url: string;
  bodies: Record<string, unknown>[];
}> {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
    });
    request.on('end', () => {
      bodies.push(JSON.parse(text || '{}'));
      const created = request.url?.startsWith('/calling/callConnections?');
      response.writeHead(created ? 201 : 200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ callConnectionId: `call-${bodies.length}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/`, bodies };
}

describe('publicUrl fills in transportUrl', () => {
  let test: TestApp | undefined;
  let endpoint: Awaited<ReturnType<typeof startRecordingEndpoint>> | undefined;
  afterEach(async () => {
    await test?.close();
    endpoint?.server.close();
  });

  it('on createCall, answerCall and connectCall where the options omit it', async () => {
    endpoint = await startRecordingEndpoint();
    test = await startApp({
      options: {
        connectionString: `endpoint=${endpoint.url};accesskey=${Buffer.from('key').toString('base64')}`,
        clientOptions: { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } },
        callbackUri: 'https://app.example/api/callbacks',
        mediaStreaming: { publicUrl: 'wss://replica-1.example/api/media' },
      },
    });
    const calls = test.app.get(CallAutomationService);
    const media = {
      transportType: 'websocket' as const,
      contentType: 'audio' as const,
      audioChannelType: 'mixed' as const,
      startMediaStreaming: true,
    };
    const transcription = {
      transportType: 'websocket' as const,
      locale: 'en-US',
      startTranscription: true,
    };
    await calls.createCall(
      {
        targetParticipant: { phoneNumber: '+15550100100' },
        sourceCallIdNumber: { phoneNumber: '+15550100000' },
      },
      { mediaStreamingOptions: media, transcriptionOptions: transcription },
    );
    await calls.answerCall('incoming-context', {
      mediaStreamingOptions: { ...media, transportUrl: 'wss://elsewhere.example/media' },
    });
    await calls.connectCall(
      { kind: 'serverCallLocator', id: 'server-call' },
      { transcriptionOptions: transcription },
    );
    await calls.createCall({
      targetParticipant: { phoneNumber: '+15550100100' },
      sourceCallIdNumber: { phoneNumber: '+15550100000' },
    });
    const [created, answered, connected, plain] = endpoint.bodies as {
      mediaStreamingOptions?: { transportUrl?: string };
      transcriptionOptions?: { transportUrl?: string };
    }[];
    expect(created?.mediaStreamingOptions?.transportUrl).toBe('wss://replica-1.example/api/media');
    expect(created?.transcriptionOptions?.transportUrl).toBe('wss://replica-1.example/api/media');
    // A URL the caller gives is kept.
    expect(answered?.mediaStreamingOptions?.transportUrl).toBe('wss://elsewhere.example/media');
    expect(connected?.transcriptionOptions?.transportUrl).toBe('wss://replica-1.example/api/media');
    // No streaming asked for: nothing added.
    expect(plain?.mediaStreamingOptions).toBeUndefined();
    expect(plain?.transcriptionOptions).toBeUndefined();
  });
});
