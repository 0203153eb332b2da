import { type AnswerCallResult, DtmfTone } from '@azure/communication-call-automation';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { Injectable } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  type Awaitable,
  CallAutomationService,
  CallAutomationTimeoutError,
  type IncomingCall,
  OnCallEvent,
} from 'nestjs-call-automation';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CALLER,
  type ClientHarness,
  connectedCall,
  endCall,
  GREETING,
  until,
  useClientHarness,
} from '../client/support';
import { type OtelSdk, registerOtelSdk, renderSpans } from './otel-sdk';

/** Answers every incoming call from an `@OnCallEvent` handler, as an IVR does. */
@Injectable()
class IncomingCallAnswerer {
  readonly answers = new Map<string, Promise<Awaitable<'answerCall', AnswerCallResult>>>();

  constructor(private readonly calls: CallAutomationService) {}

  @OnCallEvent('IncomingCall')
  onIncomingCall(event: IncomingCall): void {
    const answer = this.calls.answerCall(event.incomingCallContext);
    answer.catch(() => undefined); // the test awaits it
    this.answers.set(event.incomingCallContext, answer);
  }
}

/** The span active while the SDK's HTTP request goes out, per request method and path. */
const requestSpans: { method: string; path: string; spanId: string | undefined }[] = [];
const recordActiveSpan: PipelinePolicy = {
  name: 'recordActiveSpan',
  sendRequest(request, next) {
    requestSpans.push({
      method: request.method,
      path: new URL(request.url).pathname,
      spanId: trace.getActiveSpan()?.spanContext().spanId,
    });
    return next(request);
  },
};

function one(spans: readonly ReadableSpan[], name: string, where: Record<string, unknown> = {}) {
  const found = spans.filter(
    (span) =>
      span.name === name &&
      Object.entries(where).every(([key, value]) => span.attributes[key] === value),
  );
  expect(found, `${name} ${JSON.stringify(where)} in:\n${renderSpans(spans)}`).toHaveLength(1);
  return found[0] as ReadableSpan;
}

const idOf = (span: ReadableSpan) => span.spanContext().spanId;

describe('spans of awaitable operations, webhook batches and handlers (real SDK, emulator)', () => {
  let sdk: OtelSdk;
  beforeAll(() => {
    sdk = registerOtelSdk(); // before the app boots, as an app's main.ts does
  });
  const harness: ClientHarness = useClientHarness({
    providers: [IncomingCallAnswerer],
    module: {
      clientOptions: {
        allowInsecureConnection: true,
        additionalPolicies: [{ policy: recordActiveSpan, position: 'perCall' }],
      },
    },
  });
  afterAll(async () => {
    await sdk.shutdown();
  });
  beforeEach(() => {
    sdk.spans.reset();
    requestSpans.length = 0;
  });

  it('an IVR call: answer from a handler, a DTMF menu, hang-up; each operation one span, parents and links', async () => {
    const caller = { phoneNumber: '+15550109001' };
    const incoming = await harness.emulator.placeIncomingCall({
      url: harness.incomingCallUrl,
      from: caller.phoneNumber,
      caller: { inputs: [{ dtmf: '1' }] },
    });
    const answerer = harness.test.app.get(IncomingCallAnswerer);
    await until(() => answerer.answers.has(incoming.incomingCallContext), 'the handler answered');
    const answered = await answerer.answers.get(incoming.incomingCallContext);
    const connected = await answered?.waitForEventProcessor({ timeoutMs: 10_000 });
    const id = connected?.successResult?.callConnectionId ?? '';
    const media = harness.calls.getCallMedia(id);
    const menu = await media.startRecognizing(caller, {
      kind: 'callMediaRecognizeDtmfOptions',
      maxTonesToCollect: 1,
      stopDtmfTones: [DtmfTone.Pound],
      playPrompt: GREETING,
    });
    expect((await menu.waitForEventProcessor({ timeoutMs: 10_000 })).isSuccess).toBe(true);
    const hangUp = await harness.calls.getCallConnection(id).hangUp(true);
    expect((await hangUp.waitForEventProcessor({ timeoutMs: 10_000 })).isSuccess).toBe(true);
    await harness.processor.whenIdle();

    const spans = sdk.finished();
    const incomingBatch = spans.find(
      (span) =>
        span.name === 'call_automation process_events' && span.parentSpanContext === undefined,
    );
    const handler = one(spans, 'call_automation handler IncomingCallAnswerer@onIncomingCall', {
      'call_automation.event.kind': 'IncomingCall',
    });
    // The handler runs in the context of the batch that brought IncomingCall.
    expect(handler.parentSpanContext?.spanId).toBe(incomingBatch && idOf(incomingBatch));
    const answer = one(spans, 'call_automation answerCall');
    // answerCall was called by the handler: its span is the handler's child.
    expect(answer.parentSpanContext?.spanId).toBe(idOf(handler));
    expect(answer.attributes).toMatchObject({
      'call_automation.operation': 'answerCall',
      'call_automation.call_connection_id': id,
      'call_automation.outcome.event_kind': 'CallConnected',
      'call_automation.outcome': 'success',
      'call_automation.operation_context': answered?.operationContext,
    });
    expect(answer.status.code).toBe(0); // UNSET: a success

    const recognize = one(spans, 'call_automation startRecognizing');
    expect(recognize.attributes).toMatchObject({
      'call_automation.call_connection_id': id,
      'call_automation.operation_context': menu.operationContext,
      'call_automation.outcome.event_kind': 'RecognizeCompleted',
      'call_automation.result.code': 200,
      'call_automation.result.sub_code': expect.any(Number),
    });
    // Its outcome came with a webhook batch: the span links to that batch's span.
    const [link] = recognize.links;
    const deliveredBy = spans.find((span) => link && idOf(span) === link.context.spanId);
    expect(deliveredBy?.name).toBe('call_automation process_events');
    expect(deliveredBy?.attributes).toMatchObject({
      'call_automation.events.received': 1,
      'call_automation.events.dispatched': 1,
      'call_automation.events.duplicates': 0,
    });

    // The SDK's HTTP requests went out inside their operation's span.
    const recognizeRequest = requestSpans.find((request) => request.path.endsWith(':recognize'));
    expect(recognizeRequest?.spanId).toBe(idOf(recognize));
    const answerRequest = requestSpans.find((request) => request.path.endsWith(':answer'));
    expect(answerRequest?.spanId).toBe(idOf(answer));

    const hungUp = one(spans, 'call_automation hangUp');
    expect(hungUp.attributes['call_automation.outcome.event_kind']).toBe('CallDisconnected');
    expect(hungUp.status.code).toBe(0);
    console.log(`The spans of one IVR call:\n${renderSpans(spans)}`);
  });

  it('a PlayFailed outcome: status error with the result code and sub-code', async () => {
    const { id, media } = await connectedCall(harness);
    harness.emulator.call(id).nextOperation('play', { fail: 'fileNotFound' });
    const failing = await media.playToAll([GREETING]);
    expect((await failing.waitForEventProcessor({ timeoutMs: 10_000 })).isSuccess).toBe(false);
    const play = one(sdk.finished(), 'call_automation playToAll');
    expect(play.status).toMatchObject({ code: 2, message: expect.stringMatching(/PlayFailed/) });
    expect(play.attributes).toMatchObject({
      'call_automation.outcome': 'failure',
      'call_automation.outcome.event_kind': 'PlayFailed',
      'call_automation.result.code': 400,
      'call_automation.result.sub_code': 8536,
    });
    await endCall(harness, id);
  });

  it('a wait that times out ends the span with status error and outcome timeout', async () => {
    const { id, media } = await connectedCall(harness);
    const held = harness.emulator.holdEvents({ kind: 'PlayCompleted', callConnectionId: id });
    const play = await media.playToAll([GREETING]);
    await held.waitFor(1);
    await expect(play.waitForEventProcessor({ timeoutMs: 30 })).rejects.toBeInstanceOf(
      CallAutomationTimeoutError,
    );
    const span = one(sdk.finished(), 'call_automation playToAll');
    expect(span.status).toMatchObject({ code: 2, message: expect.stringMatching(/within 30 ms/) });
    expect(span.attributes['call_automation.outcome']).toBe('timeout');
    await held.release();
    await endCall(harness, id);
  });

  it('a hang-up during a play ends its span as disconnected (status error)', async () => {
    const { id, media } = await connectedCall(harness);
    const play = await media.playToAll([GREETING], { loop: true });
    await harness.emulator.call(id).hangUp();
    expect((await play.waitForEventProcessor()).isSuccess).toBe(false);
    const span = one(sdk.finished(), 'call_automation playToAll');
    expect(span.status.code).toBe(2);
    expect(span.attributes).toMatchObject({
      'call_automation.outcome': 'disconnected',
      'call_automation.outcome.event_kind': 'CallDisconnected',
    });
  });

  it('a request the service refuses: the span records the exception, outcome error', async () => {
    const { id, media } = await connectedCall(harness);
    harness.emulator.call(id).nextOperation('hold', { restError: 400 });
    await expect(media.hold(CALLER)).rejects.toMatchObject({ statusCode: 400 });
    const span = one(sdk.finished(), 'call_automation hold');
    expect(span.status.code).toBe(2);
    expect(span.attributes['call_automation.outcome']).toBe('error');
    expect(span.events.map((event) => event.name)).toContain('exception');
    await endCall(harness, id);
  });

  it('the operation.duration histogram has one sample (seconds) per operation above, by operation and outcome', async () => {
    const points = await sdk.points('call_automation.operation.duration');
    const count = (operation: string, outcome: string) => {
      const point = points.find(
        (candidate) =>
          candidate.attributes['call_automation.operation'] === operation &&
          candidate.attributes['call_automation.outcome'] === outcome,
      );
      return (point?.value as Histogram | undefined)?.count ?? 0;
    };
    expect(count('playToAll', 'failure')).toBe(1);
    expect(count('playToAll', 'timeout')).toBe(1);
    expect(count('playToAll', 'disconnected')).toBe(1);
    expect(count('hold', 'error')).toBe(1);
    expect(count('createCall', 'success')).toBe(4);
    expect(count('answerCall', 'success')).toBe(1);
    const answer = points.find(
      (candidate) => candidate.attributes['call_automation.operation'] === 'answerCall',
    );
    // Seconds, not milliseconds: an emulated answer takes well under a minute.
    expect((answer?.value as Histogram | undefined)?.sum ?? Number.POSITIVE_INFINITY).toBeLessThan(
      60,
    );
    expect(
      points.every((point) => !('call_automation.call_connection_id' in point.attributes)),
    ).toBe(true);
  });
});
