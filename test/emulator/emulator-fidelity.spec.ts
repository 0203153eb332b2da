import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CallAutomationClient, type CallConnection } from '@azure/communication-call-automation';
import type { PipelinePolicy, PipelineResponse } from '@azure/core-rest-pipeline';
import {
  AcsEmulator,
  CallbackCollector,
  type CollectedEvent,
  resultCodes,
} from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';

/**
 * The emulator against live ACS: the same flows the Azure SDK teams recorded, driven here with
 * the real SDK, compared per event kind (data keys, value types, identifier shapes, result
 * codes) and per REST answer (status, body keys, value types). Only the differences listed in
 * DOCUMENTED_DIFFERENCES may remain; docs/emulator.md explains them.
 */

interface RecordedEvent {
  source: string;
  note?: string;
  event: { type: string; time: string; data: Record<string, unknown> } & Record<string, unknown>;
}

interface RecordedRest {
  source: string;
  note?: string;
  operation: string;
  status: number;
  body: Record<string, unknown>;
}

const fixture = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'recorded-acs-traffic.json'), 'utf8'),
) as { events: RecordedEvent[]; rest: RecordedRest[] };

/** Where the emulator may differ from a recording, and why. `where` is a kind or an operation. */
const DOCUMENTED_DIFFERENCES: readonly { where: string; key: string; reason: string }[] = [
  ...['MediaStreamingFailed', 'MediaStreamingStarted', 'MediaStreamingStopped'].map((where) => ({
    where,
    key: 'eventSource',
    reason:
      'seen only in 2024 preview payloads (parser tests); no other recorded event has it, so the emulator leaves it out',
  })),
  ...['TranscriptionStarted', 'TranscriptionStopped'].map((where) => ({
    where,
    key: 'dialogId',
    reason:
      'seen only in 2023 preview payloads (parser tests, from the retired dialog API); the live 2025 TranscriptionFailed has none',
  })),
  ...['PlayStarted', 'PlayCompleted', 'RemoveParticipantSucceeded', 'CallTransferAccepted'].map(
    (where) => ({
      where,
      key: 'operationContext',
      reason:
        'the JavaScript SDK sends a random operationContext when none is given (the Java SDK that recorded these does not); the emulator echoes what was sent, as ACS does',
    }),
  ),
  ...['version', 'publicEventType'].map((key) => ({
    where: 'CallTransferAccepted',
    key,
    reason:
      'the only CallTransferAccepted payload is a 2023 one (a parser test); every recorded event of 2025 carries this field',
  })),
  {
    where: 'answerCall',
    key: 'answeredBy',
    reason:
      'the emulator echoes answeredBy, which the SDK sends when the client has a sourceIdentity; the recorded request had none',
  },
  {
    where: 'startRecording',
    key: 'recordingKind',
    reason:
      'the recording is of API 2023-01-15-preview; later API versions (the SDK in use) answer recordingKind',
  },
  {
    where: 'getRecordingState',
    key: 'recordingKind',
    reason: 'as startRecording',
  },
];

function allowed(where: string, key: string): boolean {
  return DOCUMENTED_DIFFERENCES.some((entry) => entry.where === where && entry.key === key);
}

/** The JSON type of a value: string, number, boolean, null, array or object. */
function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The keys of each side that the other lacks, less the documented ones. */
function keyDifferences(
  where: string,
  recorded: Record<string, unknown>,
  emulated: Record<string, unknown>,
): { missing: string[]; extra: string[] } {
  const recordedKeys = Object.keys(recorded);
  const emulatedKeys = Object.keys(emulated);
  return {
    missing: recordedKeys.filter((key) => !(key in emulated) && !allowed(where, key)),
    extra: emulatedKeys.filter((key) => !(key in recorded) && !allowed(where, key)),
  };
}

/** Keys present on both sides whose JSON types differ. */
function typeDifferences(
  recorded: Record<string, unknown>,
  emulated: Record<string, unknown>,
): string[] {
  return Object.keys(recorded)
    .filter((key) => key in emulated && typeOf(recorded[key]) !== typeOf(emulated[key]))
    .map((key) => `${key}: recorded ${typeOf(recorded[key])}, emulated ${typeOf(emulated[key])}`);
}

/** An identifier's shape: its kind and the keys it has (values differ, shapes must not). */
function identifierShape(identifier: unknown): string {
  const value = identifier as Record<string, unknown>;
  const kind = String(value.kind);
  const inner = value[kind] as Record<string, unknown> | undefined;
  return `${kind}{${Object.keys(value).sort().join(',')}}/${Object.keys(inner ?? {})
    .sort()
    .join(',')}`;
}

/** Every identifier the data carries, by where it sits. */
function identifierShapes(data: Record<string, unknown>): Record<string, string[]> {
  const shapes: Record<string, string[]> = {};
  for (const key of ['participant', 'transferTarget', 'transferee']) {
    if (data[key] !== undefined) shapes[key] = [identifierShape(data[key])];
  }
  if (Array.isArray(data.participants)) {
    shapes.participants = (data.participants as { identifier: unknown }[])
      .map(({ identifier }) => identifierShape(identifier))
      .sort();
  }
  return shapes;
}

/** What the result information must share: code, subcode, empty message or not, DiagCode. */
function resultShape(data: Record<string, unknown>): unknown {
  const result = data.resultInformation as
    | { code: number; subCode: number; message: string }
    | undefined;
  if (!result) return undefined;
  return {
    code: result.code,
    subCode: result.subCode,
    emptyMessage: result.message === '',
    diagCode: / DiagCode: \d+#\d+\.@$/.test(result.message),
  };
}

/** Times as ACS writes them: up to seven fractional digits and +00:00. */
const WIRE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,7}\+00:00$/;

const CALLER = { phoneNumber: '+15550100100' };
const AGENT = { communicationUserId: '8:acs:resource_agent' };
const RINGING_AGENT = { communicationUserId: '8:acs:resource_ringing' };
const SUPERVISOR = { communicationUserId: '8:acs:resource_supervisor' };
const APP = { communicationUserId: '8:acs:resource_app' };
const GREETING = { kind: 'fileSource' as const, url: 'https://example.com/greeting.wav' };

describe('the emulator against recorded live ACS traffic', () => {
  let emulator: AcsEmulator;
  let app: CallbackCollector;
  let client: CallAutomationClient;
  /** The raw JSON bodies of the SDK's requests, by operation, in order. */
  const answers: { method: string; url: string; status: number; body: unknown }[] = [];

  function answerOf(method: string, pattern: RegExp): { status: number; body: unknown } {
    const found = answers.filter((entry) => entry.method === method && pattern.test(entry.url));
    const last = found.at(-1);
    if (!last) throw new Error(`No ${method} ${pattern} was answered.`);
    return last;
  }

  /** Every emulated event of each kind, from the flows below. */
  let emulated: CollectedEvent[] = [];

  beforeAll(async () => {
    emulator = await new AcsEmulator({ eventDelayMs: 2, mediaDurationMs: 10 }).start();
    app = await CallbackCollector.start();
    // Keeps every raw answer, so REST bodies are compared as the wire carries them.
    const recorder: PipelinePolicy = {
      name: 'recordAnswers',
      async sendRequest(request, next) {
        const record = (response: PipelineResponse | undefined) => {
          if (!response) return;
          answers.push({
            method: request.method,
            url: request.url,
            status: response.status,
            body: response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined,
          });
        };
        try {
          const response = await next(request);
          record(response);
          return response;
        } catch (error) {
          // An error answer arrives as a RestError that carries the response.
          record((error as { response?: PipelineResponse }).response);
          throw error;
        }
      },
    };
    client = new CallAutomationClient(emulator.connectionString, {
      allowInsecureConnection: true,
      sourceIdentity: APP,
      additionalPolicies: [{ policy: recorder, position: 'perCall' }],
    });
    emulator.script.party(RINGING_AGENT.communicationUserId, { answerAfterMs: 60_000 });

    // An incoming call from a phone, answered; DTMF, recognition, play, participants, media
    // streaming, recording; the app hangs up.
    const incoming = await emulator.placeIncomingCall({
      url: app.url('/incoming'),
      from: '+15550100100',
    });
    const answered = await client.answerCall(incoming.incomingCallContext, app.url());
    const id = answered.callConnectionProperties.callConnectionId ?? '';
    const connection: CallConnection = answered.callConnection;
    const media = connection.getCallMedia();
    await app.waitForEvent({ kind: 'ParticipantsUpdated', callConnectionId: id });

    await media.sendDtmfTones(['one', 'two'], CALLER);
    await app.waitForEvent({ kind: 'SendDtmfTonesCompleted', callConnectionId: id });
    await media.startContinuousDtmfRecognition(CALLER);
    await media.stopContinuousDtmfRecognition(CALLER);
    await app.waitForEvent({ kind: 'ContinuousDtmfRecognitionStopped', callConnectionId: id });
    await media.playToAll([GREETING]);
    await app.waitForEvent({ kind: 'PlayCompleted', callConnectionId: id });
    await media.startRecognizing(CALLER, {
      kind: 'callMediaRecognizeDtmfOptions',
      maxTonesToCollect: 1,
      operationContext: 'dtmfContext',
    });
    await app.waitForEvent({ kind: 'RecognizeFailed', callConnectionId: id });

    await connection.addParticipant({ targetParticipant: AGENT });
    await app.waitForEvent({ kind: 'AddParticipantSucceeded', callConnectionId: id });
    await connection.removeParticipant(AGENT);
    await app.waitForEvent({ kind: 'RemoveParticipantSucceeded', callConnectionId: id });
    const ringing = await connection.addParticipant({ targetParticipant: RINGING_AGENT });
    await connection.cancelAddParticipantOperation(ringing.invitationId ?? '', {
      operationContext: 'context',
    });
    await app.waitForEvent({ kind: 'CancelAddParticipantSucceeded', callConnectionId: id });

    emulator.call(id).nextOperation('startMediaStreaming', { fail: true });
    await media.startMediaStreaming({ operationContext: 'startMediaStreamingContext' });
    await app.waitForEvent({ kind: 'MediaStreamingFailed', callConnectionId: id });

    // Media streaming and transcription over WebSocket: a bare ws server stands in for the app;
    // transcription to a URL where nothing listens fails.
    const sockets = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => sockets.once('listening', () => resolve()));
    const socketUrl = `ws://127.0.0.1:${(sockets.address() as AddressInfo).port}/media`;
    const streamed = await client.createCall({ targetParticipant: AGENT }, app.url(), {
      mediaStreamingOptions: {
        transportType: 'websocket',
        transportUrl: socketUrl,
        audioChannelType: 'mixed',
      },
      transcriptionOptions: {
        transportType: 'websocket',
        transportUrl: socketUrl,
        locale: 'en-US',
      },
    });
    const streamedId = streamed.callConnectionProperties.callConnectionId ?? '';
    const streamedMedia = streamed.callConnection.getCallMedia();
    await app.waitForEvent({ kind: 'CallConnected', callConnectionId: streamedId });
    await streamedMedia.startMediaStreaming({ operationContext: 'startMediaStreamingContext' });
    await app.waitForEvent({ kind: 'MediaStreamingStarted', callConnectionId: streamedId });
    await streamedMedia.stopMediaStreaming({ operationContext: 'startMediaStreamingContext' });
    await app.waitForEvent({ kind: 'MediaStreamingStopped', callConnectionId: streamedId });
    await streamedMedia.startTranscription();
    await app.waitForEvent({ kind: 'TranscriptionStarted', callConnectionId: streamedId });
    await streamedMedia.stopTranscription();
    await app.waitForEvent({ kind: 'TranscriptionStopped', callConnectionId: streamedId });
    await streamed.callConnection.hangUp(true);
    for (const socket of sockets.clients) socket.terminate();
    await new Promise<void>((resolve) => sockets.close(() => resolve()));
    const unreachable = await client.createCall({ targetParticipant: AGENT }, app.url(), {
      transcriptionOptions: {
        transportType: 'websocket',
        transportUrl: socketUrl,
        locale: 'en-US',
      },
    });
    const unreachableId = unreachable.callConnectionProperties.callConnectionId ?? '';
    await app.waitForEvent({ kind: 'CallConnected', callConnectionId: unreachableId });
    await unreachable.callConnection.getCallMedia().startTranscription();
    await app.waitForEvent({ kind: 'TranscriptionFailed', callConnectionId: unreachableId });
    await unreachable.callConnection.hangUp(true);

    const recorder2 = client.getCallRecording();
    const recording = await recorder2.start({
      callLocator: { id: emulator.call(id).serverCallId, kind: 'serverCallLocator' },
      recordingStateCallbackEndpointUrl: app.url('/recording'),
    });
    await app.waitForEvent({ kind: 'RecordingStateChanged' });
    await recorder2.getState(recording.recordingId);
    await recorder2.stop(recording.recordingId);

    await connection.hangUp(true);
    await app.waitForEvent({ kind: 'CallDisconnected', callConnectionId: id });
    await connection.hangUp(true).catch(() => undefined);

    // A call the app places; the other party hangs up.
    const created = await client.createCall({ targetParticipant: AGENT }, app.url());
    const createdId = created.callConnectionProperties.callConnectionId ?? '';
    await app.waitForEvent({ kind: 'ParticipantsUpdated', callConnectionId: createdId });
    await emulator.call(createdId).hangUp();
    await app.waitForEvent({ kind: 'CallDisconnected', callConnectionId: createdId });

    // A call whose app leg another participant removes.
    const removed = await client.createCall({ targetParticipant: AGENT }, app.url());
    const removedId = removed.callConnectionProperties.callConnectionId ?? '';
    await app.waitForEvent({ kind: 'ParticipantsUpdated', callConnectionId: removedId });
    await emulator.call(removedId).hangUp(resultCodes.removedByParticipant);
    await app.waitForEvent({ kind: 'CallDisconnected', callConnectionId: removedId });

    // A transfer.
    const transferred = await client.createCall({ targetParticipant: AGENT }, app.url());
    const transferredId = transferred.callConnectionProperties.callConnectionId ?? '';
    await app.waitForEvent({ kind: 'ParticipantsUpdated', callConnectionId: transferredId });
    await transferred.callConnection.transferCallToParticipant(SUPERVISOR);
    await app.waitForEvent({ kind: 'CallTransferAccepted', callConnectionId: transferredId });
    await app.waitForEvent({ kind: 'CallDisconnected', callConnectionId: transferredId });

    // Last (the answer compared is the last answerCall's, and it is left to the stop): a
    // Communication Services user calls the app's user, as in the answerCall recording.
    const userCall = await emulator.placeIncomingCall({
      url: app.url('/incoming'),
      from: AGENT.communicationUserId,
      to: APP.communicationUserId,
    });
    await client.answerCall(userCall.incomingCallContext, app.url());

    emulated = [...app.events];
  }, 30_000);

  afterAll(async () => {
    await emulator?.stop();
    await app?.close();
  });

  /** The emulated events of the recorded event's kind (and subcode, where kinds vary by it). */
  function counterparts(recorded: RecordedEvent): CollectedEvent[] {
    const recordedResult = recorded.event.data.resultInformation as { subCode?: number };
    return emulated.filter(({ event }) => {
      if (event.type !== recorded.event.type) return false;
      if (recorded.event.type !== 'Microsoft.Communication.CallDisconnected') return true;
      const result = event.data.resultInformation as { subCode?: number };
      return result.subCode === recordedResult.subCode;
    });
  }

  for (const recorded of fixture.events) {
    const kind = recorded.event.type.replace('Microsoft.Communication.', '');
    const label = `${kind}${recorded.note ? ` (${recorded.note})` : ''}`;

    it(`${label}: the emulator sends it with the recorded data keys, types, identifiers and result`, () => {
      const [first] = counterparts(recorded);
      expect(first, `the flows produced no ${label}`).toBeDefined();
      const event = first?.event as unknown as RecordedEvent['event'];
      // The envelope: same attributes, times written as ACS writes them.
      expect(Object.keys(event).sort()).toEqual(Object.keys(recorded.event).sort());
      expect(recorded.event.time).toMatch(WIRE_TIME);
      expect(event.time).toMatch(WIRE_TIME);
      expect(keyDifferences(kind, recorded.event.data, event.data)).toEqual({
        missing: [],
        extra: [],
      });
      expect(typeDifferences(recorded.event.data, event.data)).toEqual([]);
      expect(identifierShapes(event.data)).toEqual(identifierShapes(recorded.event.data));
      expect(resultShape(event.data)).toEqual(resultShape(recorded.event.data));
      expect(event.data.publicEventType).toBe(recorded.event.type);
    });
  }

  const REST_ROUTES: Record<string, { method: string; url: RegExp }> = {
    createCall: { method: 'POST', url: /\/calling\/callConnections\?/ },
    answerCall: { method: 'POST', url: /\/calling\/callConnections:answer\?/ },
    terminateCall: { method: 'POST', url: /:terminate\?/ },
    startRecording: { method: 'POST', url: /\/calling\/recordings\?/ },
    getRecordingState: { method: 'GET', url: /\/calling\/recordings\/[^/:?]+\?/ },
  };

  for (const recorded of fixture.rest) {
    const label = `${recorded.operation}${recorded.note ? ` (${recorded.note})` : ''}`;

    it(`${label}: the emulator answers with the recorded status, body keys and types`, () => {
      const route = REST_ROUTES[recorded.operation];
      if (!route) throw new Error(`No route for ${recorded.operation}.`);
      const answer = answerOf(route.method, route.url);
      expect(answer.status).toBe(recorded.status);
      const body = answer.body as Record<string, unknown>;
      expect(keyDifferences(recorded.operation, recorded.body, body)).toEqual({
        missing: [],
        extra: [],
      });
      expect(typeDifferences(recorded.body, body)).toEqual([]);
      for (const key of ['source', 'targets']) {
        if (recorded.body[key] === undefined) continue;
        const shapes = (value: unknown) =>
          (Array.isArray(value) ? value : [value]).map(identifierShape);
        expect(shapes(body[key])).toEqual(shapes(recorded.body[key]));
      }
      if (recorded.operation === 'answerCall' || recorded.operation === 'createCall') {
        expect(body.callConnectionState).toBe(recorded.body.callConnectionState);
      }
      if ('recordingState' in recorded.body) {
        expect(body.recordingState).toBe(recorded.body.recordingState);
      }
      if ('error' in recorded.body) {
        expect((body.error as { code: string }).code).toBe(
          (recorded.body.error as { code: string }).code,
        );
      }
    });
  }
});
