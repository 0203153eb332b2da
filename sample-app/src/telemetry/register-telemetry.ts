import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/** The OpenTelemetry SDK as the sample registers it: what `/metrics` reads, and its shutdown. */
export interface SampleTelemetry {
  /** Serves the Prometheus text of every metric (the sample's `/metrics` route calls it). */
  readonly prometheus: PrometheusExporter;
  /** Where spans go: 'console', or 'none' (the reason is logged at start-up). */
  readonly traces: string;
  /** Flushes and unregisters the providers. */
  shutdown(): Promise<void>;
}

/**
 * Registers the OpenTelemetry SDK globally, as an app does first thing in its `main.ts`: the
 * library resolves its tracer and meter when its module starts, so this must run before
 * `NestFactory.create`. Metrics: a MeterProvider read by the Prometheus exporter, served on the
 * app's own port (no second server). Traces: a TracerProvider; printed when
 * `OTEL_TRACES_EXPORTER=console`. An OTLP exporter (`OTEL_TRACES_EXPORTER=otlp`, the
 * OpenTelemetry default) is the app's choice: this sample does not install one.
 * `OTEL_SDK_DISABLED=true` registers nothing.
 */
export function registerTelemetry(
  env: NodeJS.ProcessEnv,
  log: (message: string) => void = () => {},
): SampleTelemetry | undefined {
  if (env.OTEL_SDK_DISABLED === 'true') {
    log('OTEL_SDK_DISABLED=true: no OpenTelemetry SDK, /metrics answers 404.');
    return undefined;
  }
  // service.name: OTEL_SERVICE_NAME, else the sample's own (not `unknown_service:node`).
  const resource = resourceFromAttributes({
    'service.name': env.OTEL_SERVICE_NAME || 'nestjs-call-automation-sample',
  });
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ resource, readers: [prometheus] });
  const { processors, traces } = spanProcessors(env.OTEL_TRACES_EXPORTER, log);
  const tracerProvider = new TracerProvider({ resource, spanProcessors: processors });
  // Spans started in a handler become children of the active span across awaits.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    prometheus,
    traces,
    shutdown: async () => {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
      trace.disable();
      metrics.disable();
      context.disable();
    },
  };
}

function spanProcessors(
  exporter: string | undefined,
  log: (message: string) => void,
): { processors: SpanProcessor[]; traces: string } {
  const names = (exporter ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.includes('console')) {
    log('OTEL_TRACES_EXPORTER=console: spans are printed on stdout.');
    return {
      processors: [new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() })],
      traces: 'console',
    };
  }
  if (names.includes('otlp')) {
    log(
      'OTEL_TRACES_EXPORTER=otlp: this sample installs no OTLP exporter; add @opentelemetry/exporter-trace-otlp-http and a BatchSpanProcessor in sample-app/src/telemetry/register-telemetry.ts. Spans are not exported.',
    );
  }
  return { processors: [], traces: 'none' };
}
