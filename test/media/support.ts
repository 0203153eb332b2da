import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import {
  type CallEvent,
  type MediaStreamSession,
  OnCallEvent,
  OnMediaStream,
} from 'nestjs-call-automation';
import WebSocket from 'ws';
import { startApp, type TestApp, type TestAppOptions } from '../support/app';

/** ACS's inbound messages, as the wire facts show them. */
export const MESSAGES = {
  audioMetadata: (subscriptionId = 'sub-1') => ({
    kind: 'AudioMetadata',
    audioMetadata: { subscriptionId, encoding: 'PCM', sampleRate: 16000, channels: 1, length: 640 },
  }),
  audioData: (data: string, participantRawID?: string) => ({
    kind: 'AudioData',
    audioData: {
      timestamp: '2026-12-02T10:00:00.000Z',
      ...(participantRawID !== undefined ? { participantRawID } : {}),
      data,
      silent: false,
    },
  }),
  transcriptionMetadata: (callConnectionId = 'call-1') => ({
    kind: 'TranscriptionMetadata',
    transcriptionMetadata: {
      subscriptionId: 'sub-t',
      locale: 'en-US',
      callConnectionId,
      correlationId: 'corr-1',
    },
  }),
  transcriptionData: (text: string, resultStatus: 'Intermediate' | 'Final' = 'Final') => ({
    kind: 'TranscriptionData',
    transcriptionData: {
      text,
      format: 'display',
      confidence: 0.92,
      offset: 2_500_000,
      duration: 11_000_000,
      words: text.split(' ').map((word, index) => ({
        text: word,
        offset: 2_500_000 + index * 3_000_000,
        duration: 2_000_000,
      })),
      participantRawID: '4:+15551234567',
      resultStatus,
    },
  }),
  dtmfData: (data: string) => ({ kind: 'DtmfData', dtmfData: { data } }),
};

/** Collects every session `@OnMediaStream` gets, and every media call event `@OnCallEvent` gets. */
@Injectable()
export class MediaRecorder {
  readonly sessions: MediaStreamSession[] = [];
  readonly events: CallEvent[] = [];

  @OnMediaStream()
  onStream(session: MediaStreamSession): void {
    this.sessions.push(session);
  }

  @OnCallEvent(['TranscriptionData', 'DtmfData'])
  onEvent(event: CallEvent): void {
    this.events.push(event);
  }
}

/** An app with the media route (and MediaRecorder unless other providers are given). */
export function startMediaApp(config: TestAppOptions = {}): Promise<TestApp> {
  return startApp({
    providers: [MediaRecorder],
    ...config,
    options: { mediaStreaming: {}, ...config.options },
  });
}

export interface AcsSocket {
  socket: WebSocket;
  /** Messages the app sent, as text. */
  received: string[];
  send(message: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
}

/** The ws URL of a path of the app. */
export function wsUrl(test: TestApp, path = 'api/media'): string {
  return test.url(path).replace(/^http/, 'ws');
}

/** Connects as ACS does: the two headers, and a token when given. */
export async function connectAsAcs(
  url: string,
  call: { callConnectionId?: string; correlationId?: string; token?: string } = {},
): Promise<AcsSocket> {
  const headers: Record<string, string> = {};
  if (call.callConnectionId !== undefined)
    headers['x-ms-call-connection-id'] = call.callConnectionId;
  if (call.correlationId !== undefined) headers['x-ms-call-correlation-id'] = call.correlationId;
  if (call.token !== undefined) headers.authorization = `Bearer ${call.token}`;
  const socket = new WebSocket(url, { headers });
  const received: string[] = [];
  socket.on('message', (data) => received.push(data.toString()));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    received,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    closed,
  };
}

/** What a refused handshake answers: its HTTP status and body. */
export function refusedHandshake(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.on('open', () => reject(new Error('the handshake was accepted')));
    socket.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

/** Polls until `check` holds (no timing asserted: the test's timeout bounds it). */
export async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}
