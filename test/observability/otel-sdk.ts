import { context, metrics, type SpanContext, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll } from 'vitest';
import type { TestApp } from '../support/app';

/** A reader the test collects from when it wants (no timer). */
class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** The real OpenTelemetry SDK, registered globally as an app does in its `main.ts`. */
export interface OtelSdk {
  spans: InMemorySpanExporter;
  /** The ended spans so far. */
  finished(): ReadableSpan[];
  /** The data points of one metric, at this moment (cumulative since registration). */
  points(name: string): Promise<DataPoint<number | Histogram>[]>;
  shutdown(): Promise<void>;
}

/** Registers a tracer provider (in-memory exporter), a meter provider and a context manager. */
export function registerOtelSdk(): OtelSdk {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
  });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    spans,
    finished: () => spans.getFinishedSpans(),
    points: async (name) => {
      const { resourceMetrics } = await reader.collect();
      return pointsOf(resourceMetrics, name);
    },
    shutdown: async () => {
      trace.disable();
      metrics.disable();
      context.disable();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

function pointsOf(resourceMetrics: ResourceMetrics, name: string): DataPoint<number | Histogram>[] {
  const points: DataPoint<number | Histogram>[] = [];
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name === name) {
        points.push(...(metric.dataPoints as DataPoint<number | Histogram>[]));
      }
    }
  }
  return points;
}

/** The value of a counter or gauge for these attributes (0 when there is no such point). */
export function valueAt(
  points: DataPoint<number | Histogram>[],
  attributes: Record<string, string> = {},
): number {
  const point = points.find((candidate) =>
    Object.entries(attributes).every(([key, value]) => candidate.attributes[key] === value),
  );
  return typeof point?.value === 'number' ? point.value : 0;
}

/**
 * The spans as an indented tree (children under their parent, links named), for messages and
 * the report: `call_automation playToAll [ERROR ...] {attributes} -> link process_events`.
 */
export function renderSpans(spans: readonly ReadableSpan[]): string {
  const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
  const nameOf = (context: SpanContext) => byId.get(context.spanId)?.name ?? context.spanId;
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent !== undefined && byId.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    const level = [...(children.get(parent) ?? [])].sort(
      (a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1],
    );
    for (const span of level) {
      const status = span.status.code === 2 ? ` [ERROR: ${span.status.message}]` : '';
      const links = span.links.map((link) => ` -> link to '${nameOf(link.context)}'`).join('');
      const exceptions = span.events.filter((event) => event.name === 'exception').length;
      lines.push(
        `${'  '.repeat(depth)}${span.name}${status} ${JSON.stringify(span.attributes)}${links}${
          exceptions > 0 ? ` (${exceptions} exception recorded)` : ''
        }`,
      );
      walk(span.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}

/** The SDK and the app of a describe block (see useOtelSdkAndApp). */
export interface OtelSdkAndApp {
  sdk: OtelSdk;
  test: TestApp;
}

/**
 * For a describe block: registers the SDK, then starts the app (beforeAll: the SDK first, as an
 * app's main.ts does); closes the app, then shuts the SDK down (afterAll). The returned object is
 * filled in beforeAll.
 */
export function useOtelSdkAndApp(start: () => Promise<TestApp>): OtelSdkAndApp {
  const used = {} as OtelSdkAndApp;
  beforeAll(async () => {
    used.sdk = registerOtelSdk();
    used.test = await start();
  });
  afterAll(async () => {
    await used.test?.close();
    await used.sdk?.shutdown();
  });
  return used;
}
