/**
 * The names this library emits, in one place (the README's "Observability" section lists
 * them). Metric names follow OpenTelemetry's guidance: a namespace, no unit or `_total` in the
 * name, the unit in `unit` (seconds for durations), no call id as a label.
 */

/** The instrumentation scope of every span and metric. */
export const INSTRUMENTATION_SCOPE = 'nestjs-call-automation';

export const SPAN_PREFIX = 'call_automation';
/** The span of one webhook batch handed to `processEvents`. */
export const BATCH_SPAN = `${SPAN_PREFIX} process_events`;
/** The span of one `@OnCallEvent` handler run: `call_automation handler Class@method`. */
export const HANDLER_SPAN_PREFIX = `${SPAN_PREFIX} handler`;

export const ATTRIBUTES = {
  operation: 'call_automation.operation',
  callConnectionId: 'call_automation.call_connection_id',
  operationContext: 'call_automation.operation_context',
  outcomeEvent: 'call_automation.outcome.event_kind',
  outcome: 'call_automation.outcome',
  resultCode: 'call_automation.result.code',
  resultSubCode: 'call_automation.result.sub_code',
  eventKind: 'call_automation.event.kind',
  handler: 'call_automation.handler',
  received: 'call_automation.events.received',
  dispatched: 'call_automation.events.dispatched',
  duplicates: 'call_automation.events.duplicates',
} as const;

export const METRICS = {
  eventsReceived: 'call_automation.events.received',
  duplicates: 'call_automation.events.duplicates',
  handlerErrors: 'call_automation.handler.errors',
  operationDuration: 'call_automation.operation.duration',
  pendingWaiters: 'call_automation.waiters.pending',
  pendingOperations: 'call_automation.operations.pending',
  backlogSize: 'call_automation.backlog.size',
  callsWithOngoingHandlers: 'call_automation.calls.with_ongoing_handlers',
  callsInProgress: 'call_automation.calls.in_progress',
  mediaSessions: 'call_automation.media.sessions',
} as const;

/** How an awaitable operation ended (the `call_automation.outcome` attribute and label). */
export type OperationTraceOutcome = 'success' | 'failure' | 'disconnected' | 'timeout' | 'error';
