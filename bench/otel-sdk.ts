import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type ReadableSpan, TracerProvider } from '@opentelemetry/sdk-trace';

/**
 * `OTEL_SDK`, the benchmarks' flag: `off` (the default: `@opentelemetry/api` installed, no SDK,
 * as most apps run), `on` (the real SDK registered in each subject process) or `both` (each
 * measurement twice, for the ratio). Read by the runners and, as `on`/`off`, by the subjects.
 */
export type OtelSdkMode = 'off' | 'on';

export function otelSdkModes(): OtelSdkMode[] {
  const flag = process.env.OTEL_SDK ?? 'off';
  if (flag === 'both') return ['off', 'on'];
  if (flag === 'on' || flag === 'off') return [flag];
  throw new Error(`OTEL_SDK=${flag}: use off (default), on or both.`);
}

/** A reader nobody collects from: instruments record as in an app between two scrapes. */
class IdleReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/**
 * Registers the real OpenTelemetry SDK as an app does before creating Nest: a tracer provider
 * whose batch processor hands spans to an exporter that drops them (export costs are the
 * exporter's, not the library's), a meter provider, the AsyncLocalStorage context manager.
 * Does nothing unless the subject was started with OTEL_SDK=on.
 */
export function registerOtelSdkIfAsked(): void {
  if (process.env.OTEL_SDK !== 'on') return;
  const dropping = {
    export: (_spans: ReadableSpan[], done: (result: { code: 0 }) => void) => done({ code: 0 }),
    shutdown: async () => {},
  };
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(
    new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: dropping })] }),
  );
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new IdleReader()] }));
}
