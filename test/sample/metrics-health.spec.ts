import { AcsEmulator } from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoCallerService } from '../../sample-app/src/demo/demo-caller.service';
import {
  registerTelemetry,
  type SampleTelemetry,
} from '../../sample-app/src/telemetry/register-telemetry';
import { type RedisUnderTest, useRedis } from '../support/redis-server';
import { type RunningSample as Sample, startSample } from '../support/sample-app';

async function health(sample: Sample): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${sample.base}/health`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('sample app: /metrics (Prometheus text, real OpenTelemetry SDK) and /health', () => {
  let emulator: AcsEmulator;
  let telemetry: SampleTelemetry | undefined;
  let sample: Sample;

  beforeAll(async () => {
    telemetry = registerTelemetry({});
    emulator = await new AcsEmulator().start();
    sample = await startSample(emulator, telemetry);
  });
  afterAll(async () => {
    await sample?.app.close();
    await emulator?.stop();
    await telemetry?.shutdown();
  });

  it("serves the library's metrics in Prometheus text after a call, on the app's own port", async () => {
    const caller = await sample.app.get(DemoCallerService).placeCall('2');
    // The call ends with a hang-up: its CallDisconnected is the last event.
    await expect
      .poll(
        async () => {
          const text = await (await fetch(`${sample.base}/metrics`)).text();
          return /call_automation_events_received\S*\{[^}]*call_automation_event_kind="CallDisconnected"/.test(
            text,
          );
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    const response = await fetch(`${sample.base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    for (const name of [
      'call_automation_events_received',
      'call_automation_operation_duration',
      'call_automation_waiters_pending',
      'call_automation_operations_pending',
      'call_automation_backlog_size',
      'call_automation_calls_in_progress',
    ]) {
      expect(text, `${name} in:\n${text}`).toMatch(new RegExp(`^# TYPE ${name}\\S* `, 'm'));
    }
    // The answer and the plays were measured, by operation and outcome; no call id as a label.
    expect(text).toMatch(
      /call_automation_operation_duration\S*_count\{[^}]*call_automation_operation="answerCall"[^}]*\} 1/,
    );
    expect(text).toMatch(/call_automation_outcome="success"/);
    expect(text).not.toContain(caller);
    // The call ended: none in progress.
    expect(text).toMatch(/^call_automation_calls_in_progress\S* 0$/m);
  });

  it('/health is up, with the signing keys fetched and the backlog fill', async () => {
    const up = await health(sample);
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({
      status: 'ok',
      info: {
        callAutomation: {
          status: 'up',
          signingKeys: { status: 'up', fetched: true },
          backlog: { status: 'up' },
        },
      },
    });
  });
});

describe('sample app with Redis (REDIS_URL): /health down with details while Redis is stopped', () => {
  let emulator: AcsEmulator;
  let redis: RedisUnderTest;
  let sample: Sample;

  beforeAll(async () => {
    redis = await useRedis({ own: true }); // stopped by the test
    emulator = await new AcsEmulator().start();
    sample = await startSample(emulator, undefined, {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.uniquePrefix(),
    });
  });
  afterAll(async () => {
    await sample?.app.close();
    await emulator?.stop();
    await redis?.close();
  });

  it('up with Redis; 503 with the Redis part down once it stops; up again when it is back', async () => {
    const up = await health(sample);
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({
      info: { callAutomation: { status: 'up', redis: { status: 'up' } } },
    });

    await redis.stop();
    const down = await health(sample);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      status: 'error',
      error: {
        callAutomation: {
          status: 'down',
          redis: { status: 'down', message: expect.stringMatching(/^Redis \(option redis\)/) },
        },
      },
    });
    await redis.start();
    await expect.poll(async () => (await health(sample)).status, { timeout: 10_000 }).toBe(200);
  });

  it('/metrics answers 404 with the reason when no SDK was registered', async () => {
    const response = await fetch(`${sample.base}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(/No OpenTelemetry SDK is registered/);
  });
});
