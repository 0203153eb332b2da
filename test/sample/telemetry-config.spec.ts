import { trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  registerTelemetry,
  type SampleTelemetry,
} from '../../sample-app/src/telemetry/register-telemetry';

/** How the sample's OpenTelemetry set-up reads the OTEL_* variables. */
describe('sample telemetry from the environment', () => {
  let telemetry: SampleTelemetry | undefined;
  afterEach(async () => {
    await telemetry?.shutdown();
    telemetry = undefined;
    vi.restoreAllMocks();
  });

  it('OTEL_TRACES_EXPORTER=console prints each span on stdout', async () => {
    const printed: unknown[] = [];
    vi.spyOn(console, 'dir').mockImplementation((span) => {
      printed.push(span);
    });
    const logged: string[] = [];
    telemetry = registerTelemetry({ OTEL_TRACES_EXPORTER: 'console' }, (line) => logged.push(line));
    expect(telemetry?.traces).toBe('console');
    trace.getTracer('test').startSpan('call_automation playToAll').end();
    expect(printed).toEqual([expect.objectContaining({ name: 'call_automation playToAll' })]);
    expect(logged.join('\n')).toMatch(/spans are printed on stdout/);
  });

  it('names the service: OTEL_SERVICE_NAME, else the sample (not unknown_service:node)', async () => {
    const printed: { resource?: { attributes?: Record<string, unknown> } }[] = [];
    vi.spyOn(console, 'dir').mockImplementation((span) => {
      printed.push(span as (typeof printed)[number]);
    });
    for (const env of [
      { OTEL_TRACES_EXPORTER: 'console' },
      { OTEL_TRACES_EXPORTER: 'console', OTEL_SERVICE_NAME: 'ivr-eu-west' },
    ]) {
      telemetry = registerTelemetry(env);
      trace.getTracer('test').startSpan('call_automation playToAll').end();
      await telemetry?.shutdown();
      telemetry = undefined;
    }
    expect(printed.map((span) => span.resource?.attributes?.['service.name'])).toEqual([
      'nestjs-call-automation-sample',
      'ivr-eu-west',
    ]);
  });

  it('OTEL_TRACES_EXPORTER=otlp says no OTLP exporter is installed and how to add one; metrics still work', () => {
    const logged: string[] = [];
    telemetry = registerTelemetry({ OTEL_TRACES_EXPORTER: 'otlp' }, (line) => logged.push(line));
    expect(telemetry?.traces).toBe('none');
    expect(logged.join('\n')).toMatch(
      /installs no OTLP exporter; add @opentelemetry\/exporter-trace-otlp-http/,
    );
    expect(telemetry?.prometheus).toBeDefined();
  });

  it('OTEL_SDK_DISABLED=true registers nothing', () => {
    telemetry = registerTelemetry({ OTEL_SDK_DISABLED: 'true' });
    expect(telemetry).toBeUndefined();
    expect(trace.getTracer('test').startSpan('x').isRecording()).toBe(false);
  });
});
