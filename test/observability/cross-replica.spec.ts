import { Injectable } from '@nestjs/common';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  type CallAutomationModuleOptions,
  CallAutomationService,
  OnCallEvent,
} from 'nestjs-call-automation';
import { AcsEmulator } from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, waitFor } from '../redis/cluster';
import { startApp, type TestApp } from '../support/app';
import { type RedisUnderTest, useRedis } from '../support/redis-server';
import { type OtelSdk, registerOtelSdk, renderSpans } from './otel-sdk';

/** Runs on whichever replica the consumer group picks. */
@Injectable()
class ConnectedRecorder {
  static runs = 0;

  @OnCallEvent('CallConnected')
  onConnected(): void {
    ConnectedRecorder.runs++;
  }
}

const idOf = (span: ReadableSpan) => span.spanContext().spanId;

describe('trace context across replicas (Redis, real SDK)', () => {
  let sdk: OtelSdk;
  let redis: RedisUnderTest;
  let emulator: AcsEmulator;
  let apps: TestApp[] = [];

  beforeAll(async () => {
    sdk = registerOtelSdk();
    redis = await useRedis();
    emulator = await new AcsEmulator({ eventDelayMs: 5, mediaDurationMs: 20 }).start();
  });
  afterAll(async () => {
    await closeAll(apps);
    await emulator?.stop();
    await redis?.close();
    await sdk?.shutdown();
  });

  it("an operation on replica A links to the webhook span of replica B that received its outcome; B's handler span is that span's child", async () => {
    const redisOptions = { url: redis.url, keyPrefix: redis.uniquePrefix() };
    const module = (callbackUri: string): CallAutomationModuleOptions => ({
      connectionString: emulator.connectionString,
      clientOptions: { allowInsecureConnection: true },
      callbackUri,
      redis: redisOptions,
    });
    // B takes the webhooks; A places the call with B's URL as its callback URI.
    const b = await startApp({
      options: module('http://127.0.0.1:1/unused'),
      providers: [ConnectedRecorder],
    });
    apps.push(b);
    const a = await startApp({
      options: module(b.url('api/callbacks')),
      providers: [ConnectedRecorder],
    });
    apps = [a, b];

    const call = await a.app
      .get(CallAutomationService)
      .createCall({ targetParticipant: { phoneNumber: '+15550109002' } });
    const outcome = await call.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(outcome.successResult?.kind).toBe('CallConnected');
    await waitFor(() => ConnectedRecorder.runs === 1, 'the CallConnected handler ran');
    await waitFor(
      () => sdk.finished().some((span) => span.name.startsWith('call_automation handler')),
      'the handler span ended',
    );

    const spans = sdk.finished();
    const rendered = renderSpans(spans);
    const createCall = spans.find((span) => span.name === 'call_automation createCall');
    // Only B receives webhooks, so every batch span is B's.
    const batches = spans.filter((span) => span.name === 'call_automation process_events');
    expect(batches.length, rendered).toBeGreaterThan(0);
    const linked = createCall?.links.map((link) => link.context.spanId) ?? [];
    expect(linked, rendered).toHaveLength(1);
    const deliveredBy = batches.find((batch) => idOf(batch) === linked[0]);
    expect(deliveredBy, `createCall links to one of B's batch spans:\n${rendered}`).toBeDefined();
    // The link crossed Redis: A delivered the event from the stream, outside any span.
    expect(createCall?.links[0]?.context.traceId).toBe(deliveredBy?.spanContext().traceId);
    expect(createCall?.spanContext().traceId).not.toBe(deliveredBy?.spanContext().traceId);

    const handler = spans.find(
      (span) => span.name === 'call_automation handler ConnectedRecorder@onConnected',
    );
    expect(handler?.parentSpanContext?.spanId, rendered).toBe(idOf(deliveredBy as ReadableSpan));
    await emulator.call(call.callConnectionProperties.callConnectionId ?? '').hangUp();
  });
});
