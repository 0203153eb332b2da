import type { Counter, Histogram, Meter, Span, Tracer } from '@opentelemetry/api';
import type { ProcessorSnapshot } from '../processor/call-event-matcher';
import type { ReceivedEvent } from '../transport/call-event-bus.interface';
import { OperationTrace } from './operation-trace';
import {
  loadOpenTelemetryApi,
  type OpenTelemetryApi,
  type OpenTelemetryImporter,
} from './otel-api';
import {
  ATTRIBUTES,
  BATCH_SPAN,
  HANDLER_SPAN_PREFIX,
  INSTRUMENTATION_SCOPE,
  METRICS,
  SPAN_PREFIX,
} from './telemetry-names';
import { formatTraceparent, parseTraceparent } from './w3c-traceparent';

/** What `processEvents` did with a batch (the batch span's attributes). */
interface BatchSummary {
  received: number;
  dispatched: number;
  duplicates: number;
}

interface Instruments {
  eventsReceived: Counter;
  duplicates: Counter;
  handlerErrors: Counter;
  operationDuration: Histogram;
  meter: Meter;
}

/** Seconds: from a fast ACK (a few ms) to a long prompt (minutes). */
const DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
];

/** The gauges of what one replica holds, each read from the processor's snapshot. */
const GAUGES: readonly {
  name: string;
  description: string;
  unit: string;
  read(snapshot: ProcessorSnapshot): number;
}[] = [
  {
    name: METRICS.pendingWaiters,
    description: 'waitForEvent calls still waiting on this replica',
    unit: '{waiter}',
    read: (now) => now.pendingWaiters,
  },
  {
    name: METRICS.pendingOperations,
    description: 'Awaitable operations whose outcome event has not come yet, on this replica',
    unit: '{operation}',
    read: (now) => now.pendingOperations,
  },
  {
    name: METRICS.backlogSize,
    description: 'Unclaimed events kept for late waiters, on this replica',
    unit: '{event}',
    read: (now) => now.backlogEvents,
  },
  {
    name: METRICS.callsWithOngoingHandlers,
    description: 'Calls with at least one ongoing event processor attached, on this replica',
    unit: '{call}',
    read: (now) => now.callsWithOngoingHandlers,
  },
  {
    name: METRICS.callsInProgress,
    description: 'Calls connected and not disconnected yet, as this replica knows them',
    unit: '{call}',
    read: (now) => now.callsInProgress,
  },
  {
    name: METRICS.mediaSessions,
    description: 'Media stream WebSockets open on this replica',
    unit: '{session}',
    read: (now) => now.mediaSessions,
  },
];

/**
 * The library's traces and metrics, through `@opentelemetry/api` only. Resolved once, when the
 * module starts: without the API, or without a tracer or meter provider registered by the app
 * by then, the matching half is off and its hooks cost one property check.
 *
 * Register the SDK before the Nest application is created (as OpenTelemetry's guides say).
 * Its members are internal: declarations that name `@opentelemetry/api` types must not reach
 * the published typings (the package is an optional peer).
 */
export class CallTelemetry {
  /** Records nothing. */
  static readonly off = new CallTelemetry(undefined);

  /** Tracing on: a tracer provider was registered. */
  readonly tracing: boolean;
  /** Metrics on: a meter provider was registered. */
  readonly metering: boolean;
  private readonly tracer: Tracer | undefined;
  private readonly instruments: Instruments | undefined;

  /** @internal */
  constructor(private readonly api: OpenTelemetryApi | undefined) {
    this.tracer = api === undefined ? undefined : registeredTracer(api);
    this.instruments = api === undefined ? undefined : createInstruments(api);
    this.tracing = this.tracer !== undefined;
    this.metering = this.instruments !== undefined;
  }

  /** @internal */
  static async load(importer?: OpenTelemetryImporter): Promise<CallTelemetry> {
    const api = await loadOpenTelemetryApi(importer);
    return api === undefined ? CallTelemetry.off : new CallTelemetry(api);
  }

  /** The telemetry of one awaitable operation; undefined when tracing and metrics are off. @internal */
  startOperation(
    name: string,
    callConnectionId: string | undefined,
    operationContext: string,
  ): OperationTrace | undefined {
    const api = this.api;
    if (api === undefined || (!this.tracing && !this.metering)) return undefined;
    const span = this.tracer?.startSpan(`${SPAN_PREFIX} ${name}`, {
      kind: api.SpanKind.CLIENT,
      attributes: {
        [ATTRIBUTES.operation]: name,
        [ATTRIBUTES.operationContext]: operationContext,
        ...(callConnectionId !== undefined
          ? { [ATTRIBUTES.callConnectionId]: callConnectionId }
          : {}),
      },
    });
    return new OperationTrace(api, name, span, this.instruments?.operationDuration);
  }

  /** Runs `processEvents`'s work inside the batch span (events published in it carry its context). @internal */
  async traceBatch<T extends BatchSummary>(work: () => Promise<T>): Promise<T> {
    const api = this.api;
    const tracer = this.tracer;
    if (api === undefined || tracer === undefined) return work();
    return tracer.startActiveSpan(BATCH_SPAN, { kind: api.SpanKind.SERVER }, async (span) => {
      try {
        const summary = await work();
        span.setAttributes({
          [ATTRIBUTES.received]: summary.received,
          [ATTRIBUTES.dispatched]: summary.dispatched,
          [ATTRIBUTES.duplicates]: summary.duplicates,
        });
        return summary;
      } catch (error) {
        this.fail(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /**
   * Counts a published batch: received by kind, and duplicates. One `add` per kind of the
   * batch, not per event: the SDK hashes the attributes of every `add` (about 2 µs each).
   * @internal
   */
  countEvents(batch: readonly ReceivedEvent[], fresh: readonly boolean[]): void {
    const instruments = this.instruments;
    if (instruments === undefined) return;
    let duplicates = 0;
    const byKind = new Map<string, number>();
    for (let index = 0; index < batch.length; index++) {
      const { kind } = (batch[index] as ReceivedEvent).event;
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
      if (!fresh[index]) duplicates++;
    }
    for (const [kind, count] of byKind) {
      instruments.eventsReceived.add(count, { [ATTRIBUTES.eventKind]: kind });
    }
    if (duplicates > 0) instruments.duplicates.add(duplicates);
  }

  /** The active span's context as a W3C `traceparent`, to carry with events (the Redis stream). @internal */
  activeTraceparent(): string | undefined {
    const api = this.api;
    if (api === undefined || !this.tracing) return undefined;
    const context = api.trace.getActiveSpan()?.spanContext();
    if (context === undefined || !api.isSpanContextValid(context)) return undefined;
    return formatTraceparent(context);
  }

  /**
   * Runs `work` in the context an event carried from the replica that received it, unless a
   * span is active already (in-process, the batch span itself).
   * @internal
   */
  withTraceparent<T>(traceparent: string | undefined, work: () => T): T {
    const api = this.api;
    if (api === undefined || traceparent === undefined || !this.tracing) return work();
    if (api.trace.getActiveSpan() !== undefined) return work();
    const parent = parseTraceparent(traceparent);
    if (parent === undefined) return work();
    const remote = api.trace.setSpanContext(api.ROOT_CONTEXT, { ...parent, isRemote: true });
    return api.context.with(remote, work);
  }

  /**
   * `handler` wrapped in a span `call_automation handler Class@method` that records what it
   * throws, and counted in `call_automation.handler.errors` when it fails. `handler` itself when
   * tracing and metrics are off.
   * @internal
   */
  wrapHandler(name: string, kind: string, handler: () => unknown): () => unknown {
    const api = this.api;
    if (api === undefined || (!this.tracing && !this.metering)) return handler;
    const attributes = { [ATTRIBUTES.handler]: name, [ATTRIBUTES.eventKind]: kind };
    return () => {
      const span = this.tracer?.startSpan(`${HANDLER_SPAN_PREFIX} ${name}`, {
        kind: api.SpanKind.CONSUMER,
        attributes,
      });
      const failed = (error: unknown): void => {
        this.instruments?.handlerErrors.add(1, attributes);
        if (span !== undefined) this.fail(span, error);
        span?.end();
      };
      let result: unknown;
      try {
        result =
          span === undefined
            ? handler()
            : api.context.with(api.trace.setSpan(api.context.active(), span), handler);
      } catch (error) {
        failed(error);
        throw error;
      }
      if (!isPromiseLike(result)) {
        span?.end();
        return result;
      }
      return Promise.resolve(result).then(
        (value) => {
          span?.end();
          return value;
        },
        (error: unknown) => {
          failed(error);
          throw error;
        },
      );
    };
  }

  /**
   * Reports the processor's counts as observable gauges at each collection. Returns the
   * function that stops it (at shutdown, so a closed app is not observed).
   * @internal
   */
  observe(snapshot: () => ProcessorSnapshot): () => void {
    const instruments = this.instruments;
    if (instruments === undefined) return () => {};
    const { meter } = instruments;
    const gauges = GAUGES.map((gauge) => ({
      read: gauge.read,
      observable: meter.createObservableGauge(gauge.name, {
        description: gauge.description,
        unit: gauge.unit,
      }),
    }));
    const observables = gauges.map((gauge) => gauge.observable);
    const callback = (result: {
      observe(observable: (typeof observables)[number], value: number): void;
    }): void => {
      const now = snapshot();
      for (const gauge of gauges) result.observe(gauge.observable, gauge.read(now));
    };
    meter.addBatchObservableCallback(callback, observables);
    return () => meter.removeBatchObservableCallback(callback, observables);
  }

  private fail(span: Span, error: unknown): void {
    const api = this.api as OpenTelemetryApi;
    if (error instanceof Error) span.recordException(error);
    span.setStatus({
      code: api.SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

/** The registered provider's tracer, or undefined when the app registered none. */
function registeredTracer(api: OpenTelemetryApi): Tracer | undefined {
  const provider = api.trace.getTracerProvider();
  // The API's global provider is a proxy; it has a delegate only once an SDK is registered.
  if (provider instanceof api.ProxyTracerProvider) {
    return provider.getDelegateTracer(INSTRUMENTATION_SCOPE);
  }
  return provider.getTracer(INSTRUMENTATION_SCOPE);
}

function createInstruments(api: OpenTelemetryApi): Instruments | undefined {
  const meter = api.metrics.getMeter(INSTRUMENTATION_SCOPE);
  // Without a registered provider the API hands out its no-op meter.
  if (meter.constructor === api.createNoopMeter().constructor) return undefined;
  return {
    meter,
    eventsReceived: meter.createCounter(METRICS.eventsReceived, {
      description: 'Events posted to the webhooks, duplicates included, by kind',
      unit: '{event}',
    }),
    duplicates: meter.createCounter(METRICS.duplicates, {
      description: 'Events dropped because their CloudEvent id was seen before',
      unit: '{event}',
    }),
    handlerErrors: meter.createCounter(METRICS.handlerErrors, {
      description: '@OnCallEvent handler runs that threw or rejected',
      unit: '{error}',
    }),
    operationDuration: meter.createHistogram(METRICS.operationDuration, {
      description: 'From an operation request to its outcome event (or failure, or timeout)',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
