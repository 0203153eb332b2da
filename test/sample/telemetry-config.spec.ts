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
