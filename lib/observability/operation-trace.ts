import type { Histogram, Span } from '@opentelemetry/api';
import type { EventResult } from '../processor/event-result';
import type { OperationObserver } from '../processor/pending-operation';
import type { OpenTelemetryApi } from './otel-api';
import { ATTRIBUTES, type OperationTraceOutcome } from './telemetry-names';

/**
 * The telemetry of one awaitable operation, from its request to its outcome: a span
 * `call_automation <operation>` (when tracing) and one duration sample (when metrics are on).
 * Ends once, at the first of: the outcome event, the request's failure, a wait that timed out,
 * the retention time passing with no outcome.
 */
export class OperationTrace implements OperationObserver {
  private ended = false;
  private readonly startedAt = performance.now();

  constructor(
    private readonly api: OpenTelemetryApi,
    private readonly name: string,
    /** Undefined when tracing is off. */
    readonly span: Span | undefined,
    /** Undefined when metrics are off. */
    private readonly duration: Histogram | undefined,
  ) {}

  /** Runs the SDK's request inside the span, so the SDK's HTTP span nests under it. */
  run<T>(send: () => Promise<T>): Promise<T> {
    const span = this.span;
    if (span === undefined) return send();
    const api = this.api;
    return api.context.with(api.trace.setSpan(api.context.active(), span), send);
  }

  /** The service named the call (createCall, answerCall, connectCall). */
  boundTo(callConnectionId: string): void {
    this.span?.setAttribute(ATTRIBUTES.callConnectionId, callConnectionId);
  }

  settled(result: EventResult): void {
    const event = result.successResult ?? result.failureResult;
    const outcome: OperationTraceOutcome = result.isSuccess
      ? 'success'
      : event?.kind === 'CallDisconnected'
        ? 'disconnected'
        : 'failure';
    const span = this.span;
    if (span !== undefined && event !== undefined) {
      span.setAttribute(ATTRIBUTES.outcomeEvent, event.kind);
      const info = (event as { resultInformation?: { code?: unknown; subCode?: unknown } })
        .resultInformation;
      if (typeof info?.code === 'number') span.setAttribute(ATTRIBUTES.resultCode, info.code);
      if (typeof info?.subCode === 'number') {
        span.setAttribute(ATTRIBUTES.resultSubCode, info.subCode);
      }
      // The webhook batch (or, with Redis, the remote one) that brought the outcome.
      const delivering = this.api.trace.getActiveSpan()?.spanContext();
      if (delivering !== undefined && this.api.isSpanContextValid(delivering)) {
        // addLink is in the API since 1.9; an older API's span just has no link.
        if (delivering.spanId !== span.spanContext().spanId)
          span.addLink?.({ context: delivering });
      }
    }
    this.end(
      outcome,
      outcome === 'success'
        ? undefined
        : `${event?.kind ?? 'the failure event'} ended ${this.name}`,
    );
  }

  failed(error: unknown): void {
    if (this.span !== undefined && error instanceof Error) this.span.recordException(error);
    this.end('error', error instanceof Error ? error.message : String(error));
  }

  timedOut(timeoutMs: number): void {
    this.end('timeout', `No outcome event of ${this.name} within ${timeoutMs} ms`);
  }

  private end(outcome: OperationTraceOutcome, errorMessage: string | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.duration?.record((performance.now() - this.startedAt) / 1000, {
      [ATTRIBUTES.operation]: this.name,
      [ATTRIBUTES.outcome]: outcome,
    });
    const span = this.span;
    if (span === undefined) return;
    span.setAttribute(ATTRIBUTES.outcome, outcome);
    if (errorMessage !== undefined) {
      span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: errorMessage });
    }
    span.end();
  }
}
