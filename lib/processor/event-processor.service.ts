import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { CALL_AUTOMATION_OPTIONS, CALL_EVENT_BUS } from '../constants';
import { CallAutomationConfigurationError } from '../errors/call-automation-configuration.error';
import type { AnyCallEvent, CallEvent, CallEventOfKind } from '../events/call-event.types';
import { jsonTextOf, readCloudEvents } from '../events/cloud-event';
import type { CallEventFilter, CallEventPredicate } from '../events/event-filter';
import { metadataOf, toCallEvent } from '../events/to-call-event';
import { MediaSessionRegistry } from '../media/media-session-registry';
import type { MediaStreamSession } from '../media/media-stream-session';
import { CallTelemetry } from '../observability/call-telemetry';
import type { ResolvedCallAutomationOptions } from '../options/call-automation-options.interface';
import type { CallEventBus, ReceivedEvent } from '../transport/call-event-bus.interface';
import { CallEventDispatcher, describeEvent } from './call-event-dispatcher';
import { CallEventMatcher, type ProcessorSnapshot } from './call-event-matcher';
import { IsolatedHandlerRunner } from './isolated-handler-runner';
import type { OngoingEventHandler } from './ongoing-handler-registry';
import type { OperationSpec, PendingOperation } from './pending-operation';
import type { WaitOptions } from './waiter';

/** What `processEvents` did with a body. */
export interface ProcessSummary {
  /** Events in the body. */
  received: number;
  /** Events handed on (received - duplicates), whether or not anything matched them. */
  dispatched: number;
  /** Events dropped because their CloudEvent id was seen before. */
  duplicates: number;
}

type KindFilter<K extends string> = Omit<CallEventFilter, 'kind'> & { kind: K | readonly K[] };

/** How often a drain looks whether calls are still in progress. */
const DRAIN_POLL_MS = 50;

/**
 * The event processor: correlates every callback with its call and operation, lets code
 * await events, runs ongoing and decorated handlers, and frees a call's state when it ends.
 *
 * This class is the API and the bus's lifecycle (start at init, close at shutdown); it parses
 * what `processEvents` gets and publishes it on the bus. The bus hands accepted events to
 * CallEventDispatcher, which gives them to CallEventMatcher (waiters, operations, ongoing
 * handlers, backlog) on every replica and runs `@OnCallEvent` handlers once per cluster.
 */
@Injectable()
export class EventProcessorService
  implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown
{
  private readonly logger = new Logger('CallAutomation');
  private stopObserving: () => void = () => {};
  private draining = false;

  constructor(
    @Inject(CALL_AUTOMATION_OPTIONS) private readonly options: ResolvedCallAutomationOptions,
    @Inject(CALL_EVENT_BUS) private readonly bus: CallEventBus,
    private readonly matcher: CallEventMatcher,
    private readonly dispatcher: CallEventDispatcher,
    private readonly runner: IsolatedHandlerRunner,
    private readonly telemetry: CallTelemetry,
    private readonly media: MediaSessionRegistry,
  ) {}

  /**
   * Starts the bus: from now on every accepted event reaches the dispatcher (events processed
   * before, while providers were built, were held by the bus and come first).
   */
  async onModuleInit(): Promise<void> {
    this.stopObserving = this.telemetry.observe(() => this.snapshot());
    await this.bus.start(this.dispatcher);
  }

  /**
   * True once shutdown has begun draining this replica (see `drain`): a readiness check
   * answers "not ready" then, so that the balancer sends new work elsewhere.
   */
  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * Stops taking new calls (the Event Grid route answers 503 from now on) and waits until no
   * call is in progress on this replica — no pending waiter or operation, no ongoing handler
   * attached, no handler running — or `timeoutMs` (option drainTimeoutMs) has passed.
   * Callbacks are still accepted meanwhile. Resolves true when drained, false on timeout.
   * The module calls it at shutdown; it cannot be undone.
   */
  async drain(timeoutMs: number = this.options.drainTimeoutMs): Promise<boolean> {
    this.draining = true;
    // With Redis, new calls' handlers (their call flows) start on the other replicas.
    this.bus.stopTakingHandlers();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { pendingWaiters, pendingOperations, callsWithOngoingHandlers } =
        this.matcher.snapshot();
      const running = this.runner.pending;
      if (pendingWaiters + pendingOperations + callsWithOngoingHandlers + running === 0) {
        return true;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        this.logger.warn(
          `Still in progress ${timeoutMs} ms after draining began (option drainTimeoutMs): ${pendingWaiters} waiter(s), ${pendingOperations} operation(s), ${callsWithOngoingHandlers} call(s) with ongoing handlers, ${running} handler(s) running; shutting down anyway.`,
        );
        return false;
      }
      // Polled: what ends a call (an event, a timeout, a handler) has no single signal.
      await sleep(Math.min(DRAIN_POLL_MS, left));
    }
  }

  /**
   * Pending waits end now, with an error that says the application is shutting down; media
   * sessions close (1001). After the drain, so calls in progress keep their streams till then.
   */
  onModuleDestroy(): void {
    this.stopObserving();
    this.matcher.close();
    this.media.shutdown();
  }

  /** Lets handlers that are still running finish (for up to shutdownGraceMs), then closes the bus. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!(await this.runner.whenIdleWithin(this.options.shutdownGraceMs))) {
      this.logger.warn(
        `${this.runner.pending} @OnCallEvent or ongoing handler(s) still running ${this.options.shutdownGraceMs} ms after shutdown began (option shutdownGraceMs); closing anyway.`,
      );
    }
    await this.bus.close();
  }

  /**
   * Takes what ACS posts: a CloudEvent array, one CloudEvent, or their JSON text. Every event
   * of the batch is handled; duplicates (a CloudEvent id seen before) are dropped. Invalid
   * input rejects with `CallAutomationEventError` and dispatches nothing.
   */
  processEvents(body: unknown): Promise<ProcessSummary> {
    return this.telemetry.tracing
      ? this.telemetry.traceBatch(() => this.publishEvents(body))
      : this.publishEvents(body);
  }

  private async publishEvents(body: unknown): Promise<ProcessSummary> {
    // Events parsed here from text or bytes belong to this call alone.
    const text =
      typeof body === 'string' || body instanceof Uint8Array ? jsonTextOf(body) : undefined;
    const cloudEvents = readCloudEvents(text ?? body);
    if (cloudEvents.length === 0) return { received: 0, dispatched: 0, duplicates: 0 };
    // The text of a lone event can stand for it (in the backlog, on the Redis stream).
    const source = cloudEvents.length === 1 ? text : undefined;
    // The batch span's context travels with its events (to other replicas, with Redis).
    const traceparent = this.telemetry.activeTraceparent();
    const batch = cloudEvents.map((cloudEvent) =>
      this.toReceivedEvent(cloudEvent, text !== undefined, source, traceparent),
    );
    const published = this.bus.publish(batch);
    const fresh = Array.isArray(published) ? published : await published;
    if (this.telemetry.metering) this.telemetry.countEvents(batch, fresh);
    let dispatched = 0;
    for (const isNew of fresh) if (isNew) dispatched++;
    return { received: batch.length, dispatched, duplicates: batch.length - dispatched };
  }

  /**
   * Resolves with the first event that matches: the oldest matching event of the backlog, or
   * the next one to arrive. A predicate matches when it returns a truthy value, as with
   * `Array.prototype.find`. Rejects with `CallAutomationTimeoutError` after `timeoutMs`
   * (default `defaultTimeoutMs`), with the signal's reason when aborted, and with
   * `CallDisconnectedError` when the named call ends first.
   */
  waitForEvent<K extends string>(
    filter: KindFilter<K>,
    options?: WaitOptions,
  ): Promise<CallEventOfKind<K>>;
  waitForEvent<E = CallEvent>(
    condition: CallEventFilter | ((event: AnyCallEvent) => unknown),
    options?: WaitOptions,
  ): Promise<E>;
  waitForEvent(
    condition: CallEventFilter | CallEventPredicate,
    options?: WaitOptions,
  ): Promise<unknown> {
    return this.matcher.wait(condition, options);
  }

  /**
   * Resolves with the call's media stream session (the `mediaStreaming` WebSocket ACS opened
   * for it on this replica), whether it connected before or after this call; the same object
   * `@OnMediaStream` methods get. Rejects like `waitForEvent`: `CallAutomationTimeoutError`
   * after `timeoutMs` (default `defaultTimeoutMs`), the signal's reason when aborted,
   * `CallDisconnectedError` when the call ends first, `CallAutomationShutdownError` on shutdown.
   */
  waitForMediaStream(callConnectionId: string, options?: WaitOptions): Promise<MediaStreamSession> {
    if (this.options.mediaStreaming === undefined) {
      return Promise.reject(
        new CallAutomationConfigurationError(
          'waitForMediaStream needs the media WebSocket route: set mediaStreaming in CallAutomationModule.forRoot({ mediaStreaming: {} }).',
        ),
      );
    }
    return this.media.wait(callConnectionId, options);
  }

  /**
   * Runs `handler` for every event of these kinds (`'*'` for all) of the call, until the
   * returned function is called or the call disconnects. A call that has already ended (its
   * CallDisconnected was delivered less than `disconnectedCallTtlMs` ago) keeps no handler:
   * the handler never runs and the returned function does nothing (logged at debug level).
   */
  attachOngoingEventProcessor<K extends string>(
    callConnectionId: string,
    kind: K | readonly K[],
    handler: OngoingEventHandler<CallEventOfKind<K>>,
  ): () => void {
    const kinds = checkKinds('attachOngoingEventProcessor', callConnectionId, kind);
    if (typeof handler !== 'function') {
      throw new TypeError(
        'attachOngoingEventProcessor: handler must be a function (event, metadata) => unknown.',
      );
    }
    return this.matcher.attach(callConnectionId, kinds, handler as OngoingEventHandler);
  }

  /**
   * Without `kind`: detaches every ongoing handler of the call. With `kind`: takes these kinds
   * out of the call's attachments, so a handler attached for `['PlayCompleted', 'PlayFailed']`
   * keeps running for PlayFailed after `detachOngoingEventProcessor(id, 'PlayCompleted')`.
   * `'*'` detaches the handlers attached for `'*'`; naming a kind leaves those whole.
   */
  detachOngoingEventProcessor(callConnectionId: string, kind?: string | readonly string[]): void {
    const kinds =
      kind === undefined
        ? undefined
        : checkKinds('detachOngoingEventProcessor', callConnectionId, kind);
    this.matcher.detach(callConnectionId, kinds);
  }

  /**
   * Registers an operation before its request is sent, so its outcome is caught even when it
   * arrives before the response. Used by `CallAutomationService`; useful for SDK calls it does
   * not wrap.
   */
  registerOperation(spec: OperationSpec): PendingOperation {
    return this.matcher.registerOperation(spec);
  }

  /** Tells a pending operation which call it belongs to, once the service has said. */
  bindOperationToCall(operation: PendingOperation, callConnectionId: string): void {
    this.matcher.bindOperationToCall(operation, callConnectionId);
  }

  /**
   * What this replica holds now (pending waiters and operations, ongoing handlers, backlog):
   * counts for diagnostics, health checks and tests. A copy: changing it changes nothing.
   */
  snapshot(): ProcessorSnapshot {
    return { ...this.matcher.snapshot(), mediaSessions: this.media.size };
  }

  /**
   * Resolves once every handler of the events processed so far has finished: `@OnCallEvent`
   * handlers run just after `processEvents` resolves (and after the webhook answers), so
   * tests await this before they look at what handlers did. With `redis`, handlers start one
   * Redis round trip later, on whichever replica the consumer group gives the event to: this
   * covers only the handlers already started on this replica.
   */
  whenIdle(): Promise<void> {
    return this.runner.whenIdle();
  }

  /** Like `whenIdle`, but resolves false when handlers are still running after `timeoutMs`. */
  whenIdleWithin(timeoutMs: number): Promise<boolean> {
    return this.runner.whenIdleWithin(timeoutMs);
  }

  private toReceivedEvent(
    cloudEvent: ReceivedEvent['cloudEvent'],
    ownsData: boolean,
    source: string | undefined,
    traceparent: string | undefined,
  ): ReceivedEvent {
    const { event, parseError } = toCallEvent(cloudEvent, ownsData);
    const metadata = metadataOf(cloudEvent);
    if (parseError) {
      this.logger.warn(
        `The SDK could not parse ${describeEvent(event, metadata)} (${parseError.message}); handing on its raw data.`,
      );
    }
    return traceparent === undefined
      ? { event, metadata, cloudEvent, source }
      : { event, metadata, cloudEvent, source, traceparent };
  }
}

function checkKinds(
  method: string,
  callConnectionId: string,
  kind: string | readonly string[],
): string[] {
  if (typeof callConnectionId !== 'string' || callConnectionId === '') {
    throw new TypeError(`${method}: callConnectionId must be a non-empty string.`);
  }
  const kinds = typeof kind === 'string' ? [kind] : Array.isArray(kind) ? [...kind] : [];
  if (kinds.length === 0 || kinds.some((entry) => typeof entry !== 'string' || entry === '')) {
    throw new TypeError(
      `${method}: kind must be an event kind such as 'PlayCompleted', '*' or a non-empty list of kinds.`,
    );
  }
  return kinds;
}
