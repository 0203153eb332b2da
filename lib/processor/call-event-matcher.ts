import type { CallDisconnected } from '@azure/communication-call-automation';
import { CallAutomationShutdownError } from '../errors/call-automation-shutdown.error';
import { CallDisconnectedError } from '../errors/call-disconnected.error';
import type { AnyCallEvent, CallEventMetadata } from '../events/call-event.types';
import {
  type CallEventFilter,
  type CallEventPredicate,
  describeFilter,
  matchesFilter,
  normalizeFilter,
} from '../events/event-filter';
import { CallsInProgress } from './calls-in-progress';
import { EventBacklog } from './event-backlog';
import { ExpiringMap } from './expiring-map';
import { type OngoingEventHandler, OngoingHandlerRegistry } from './ongoing-handler-registry';
import { OperationRegistry } from './operation-registry';
import type { OperationSpec, PendingOperation } from './pending-operation';
import { checkTimeout, describeWait, Waiter, type WaitOptions } from './waiter';
import { WaiterDeadlines } from './waiter-deadlines';
import { WaiterRegistry } from './waiter-registry';

const NONE: readonly never[] = [];
const NOTHING_TO_DETACH = (): void => {};

/** Counts of what one replica's processor holds at a moment (see EventProcessorService.snapshot). */
export interface ProcessorSnapshot {
  /** `waitForEvent` calls still waiting. */
  readonly pendingWaiters: number;
  /** Awaitable operations whose outcome event has not come yet. */
  readonly pendingOperations: number;
  /** Calls with at least one ongoing handler attached. */
  readonly callsWithOngoingHandlers: number;
  /** Unclaimed events kept for late waiters. */
  readonly backlogEvents: number;
  /** Characters of event text the backlog holds (bounded by maxBacklogBytes). */
  readonly backlogCharacters: number;
  /** Events dropped from the backlog (or never kept) because of its bounds, since start. */
  readonly backlogEvicted: number;
  /** Calls whose CallDisconnected this replica still remembers. */
  readonly recentlyDisconnectedCalls: number;
  /**
   * Calls in progress: their CallConnected was delivered to this replica and their
   * CallDisconnected was not (yet). With `redis` every replica counts the cluster's calls.
   */
  readonly callsInProgress: number;
  /** Media stream WebSockets open on this replica (`mediaStreaming`). */
  readonly mediaSessions: number;
}

export interface CallEventMatcherOptions {
  defaultTimeoutMs: number;
  backlogTtlMs: number;
  maxBacklogEvents: number;
  /** Most characters of event text the backlog holds. @default unbounded */
  maxBacklogBytes?: number;
  /**
   * How long a call's CallDisconnected is remembered, so that waiters, operations and ongoing
   * handlers that come later for that call end at once. Its own bound, not the backlog's: a
   * backlog turned off (backlogTtlMs 0) must not turn these guarantees off.
   */
  disconnectedCallTtlMs: number;
  /** Most ended calls remembered at once; past it the oldest is forgotten. */
  maxDisconnectedCalls: number;
  /** Runs one ongoing handler; the caller isolates its errors. */
  invokeOngoing: (
    handler: OngoingEventHandler,
    event: AnyCallEvent,
    metadata: CallEventMetadata,
  ) => void;
  /** Told when an operationContext is reused while an operation with it is pending. */
  onOperationContextReuse?: (spec: OperationSpec) => void;
  /** Told when a handler is attached to a call whose CallDisconnected was delivered (not kept). */
  onAttachToEndedCall?: (callConnectionId: string, kinds: readonly string[]) => void;
}

/**
 * The matching engine of one replica: pending waiters, pending operations, ongoing handlers,
 * the backlog of unclaimed events, and calls that just disconnected. No Nest, no I/O: every
 * event of the cluster reaches `deliver` once on every replica.
 */
export class CallEventMatcher {
  readonly waiters = new WaiterRegistry();
  readonly operations: OperationRegistry;
  readonly ongoing = new OngoingHandlerRegistry();
  readonly backlog: EventBacklog;
  /** Calls whose CallDisconnected was delivered recently, with that event. */
  readonly disconnected: ExpiringMap<string, CallDisconnected>;
  /** Calls connected and not disconnected yet (the calls-in-progress gauge). */
  readonly inProgress = new CallsInProgress();
  private closed = false;
  /** Shared by every waiter (a closure per waiter would cost each one two objects). */
  private readonly forgetWaiter = (waiter: Waiter) => {
    this.waiters.remove(waiter);
    this.deadlines.remove(waiter);
  };
  /** The timeouts of pending waiters, on one timer. */
  readonly deadlines = new WaiterDeadlines();

  constructor(private readonly options: CallEventMatcherOptions) {
    this.operations = new OperationRegistry(
      options.defaultTimeoutMs,
      options.onOperationContextReuse,
    );
    this.backlog = new EventBacklog(
      options.backlogTtlMs,
      options.maxBacklogEvents,
      options.maxBacklogBytes,
    );
    this.disconnected = new ExpiringMap(
      options.disconnectedCallTtlMs,
      options.maxDisconnectedCalls,
    );
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** What this replica holds now, for diagnostics and tests (a copy, read-only). */
  snapshot(): Omit<ProcessorSnapshot, 'mediaSessions'> {
    return {
      pendingWaiters: this.waiters.size,
      pendingOperations: this.operations.size,
      callsWithOngoingHandlers: this.ongoing.callCount,
      backlogEvents: this.backlog.size,
      backlogCharacters: this.backlog.textSize,
      backlogEvicted: this.backlog.evicted,
      recentlyDisconnectedCalls: this.disconnected.size,
      callsInProgress: this.inProgress.size,
    };
  }

  /**
   * Hands one event to everything on this replica that wants it. `source`: the JSON text it
   * arrived in, when that text holds it alone (kept by the backlog, see EventBacklog.add).
   */
  deliver(event: AnyCallEvent, metadata: CallEventMetadata, source?: string): void {
    // Nothing pending is the common case of a busy webhook: skip building index keys then.
    const waiters: readonly Waiter[] = this.waiters.size > 0 ? this.waiters.match(event) : NONE;
    const operations: readonly PendingOperation[] =
      this.operations.size > 0 ? this.operations.match(event) : NONE;
    for (const waiter of waiters) waiter.resolve(event);
    for (const operation of operations) operation.settleWith(event);
    if (this.ongoing.callCount > 0) {
      for (const handler of this.ongoing.handlersFor(event)) {
        this.options.invokeOngoing(handler, event, metadata);
      }
    }
    const call = event.callConnectionId;
    if (event.kind === 'CallDisconnected' && typeof call === 'string') {
      this.releaseCall(call, event as CallDisconnected);
    } else {
      // A CallConnected that comes after its call's CallDisconnected (redelivered late) is not a call in progress.
      if (event.kind === 'CallConnected' && typeof call === 'string' && !this.closed) {
        if (!this.disconnected.has(call)) this.inProgress.connected(call);
      }
      if (waiters.length === 0 && operations.length === 0 && !this.closed) {
        this.backlog.add(event, source);
      }
    }
  }

  /**
   * Waits for the first event that matches, checking the backlog right after subscribing.
   * Validation errors reject the returned promise (they never throw synchronously).
   */
  wait(
    condition: CallEventFilter | CallEventPredicate,
    options: WaitOptions = {},
  ): Promise<AnyCallEvent> {
    try {
      const timeoutMs = checkTimeout(options.timeoutMs, this.options.defaultTimeoutMs);
      const { signal } = options;
      if (typeof condition === 'function') {
        return this.start(undefined, condition, timeoutMs, signal);
      }
      if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) {
        throw new TypeError(
          'waitForEvent: pass a filter object ({ callConnectionId?, operationContext?, kind? }) or a predicate function.',
        );
      }
      const filter = normalizeFilter(condition);
      const call = filter.callConnectionId;
      const disconnect = call === undefined ? undefined : this.disconnected.get(call);
      if (call !== undefined && disconnect !== undefined) {
        if (matchesFilter(filter, disconnect)) return Promise.resolve(disconnect);
        throw new CallDisconnectedError(call, disconnect, describeFilter(filter));
      }
      return this.start(filter, undefined, timeoutMs, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Registers an operation before its request is sent. */
  registerOperation(spec: OperationSpec): PendingOperation {
    const operation = this.operations.register(spec);
    if (this.closed) operation.shutdown();
    const call = spec.callConnectionId;
    const disconnect = call === undefined ? undefined : this.disconnected.get(call);
    if (disconnect !== undefined) operation.disconnected(disconnect);
    return operation;
  }

  /** The service named the operation's call (createCall, answerCall, connectCall). */
  bindOperationToCall(operation: PendingOperation, callConnectionId: string): void {
    this.operations.bindCall(operation, callConnectionId);
    const disconnect = this.disconnected.get(callConnectionId);
    if (disconnect !== undefined) operation.disconnected(disconnect);
  }

  /**
   * Attaches an ongoing handler until detached or until the call's CallDisconnected. A call
   * whose CallDisconnected was already delivered (and is still remembered) gets no more events
   * that anything would free it on: the handler is not kept, and a detach that does nothing is
   * returned.
   */
  attach(
    callConnectionId: string,
    kinds: readonly string[],
    handler: OngoingEventHandler,
  ): () => void {
    if (this.disconnected.has(callConnectionId)) {
      this.options.onAttachToEndedCall?.(callConnectionId, kinds);
      return NOTHING_TO_DETACH;
    }
    return this.ongoing.attach(callConnectionId, kinds, handler);
  }

  detach(callConnectionId: string, kinds?: readonly string[]): void {
    this.ongoing.detach(callConnectionId, kinds);
  }

  /** Rejects every pending wait with a shutdown error and frees everything. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters.all()) {
      waiter.reject(new CallAutomationShutdownError(waiter.description));
    }
    this.deadlines.close();
    this.operations.shutdown();
    this.ongoing.clear();
    this.backlog.clear();
    this.disconnected.clear();
    this.inProgress.clear();
  }

  /** After a call's CallDisconnected was delivered: nothing of that call is kept. */
  private releaseCall(callConnectionId: string, event: CallDisconnected): void {
    this.disconnected.set(callConnectionId, event);
    this.inProgress.disconnected(callConnectionId);
    this.operations.disconnect(callConnectionId, event);
    for (const waiter of this.waiters.waitersOfCall(callConnectionId)) {
      waiter.reject(new CallDisconnectedError(callConnectionId, event, waiter.description));
    }
    this.ongoing.detach(callConnectionId);
    this.backlog.dropCall(callConnectionId);
  }

  private start(
    filter: ReturnType<typeof normalizeFilter> | undefined,
    predicate: CallEventPredicate | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<AnyCallEvent> {
    if (this.closed) throw new CallAutomationShutdownError(describeWait(filter));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const waiter = new Waiter(filter, predicate, timeoutMs, signal, this.forgetWaiter);
    // Subscribe first, then read the backlog: nothing can slip between the two.
    this.waiters.add(waiter);
    const early = this.backlog.take(waiter);
    if (early !== undefined) waiter.resolve(early);
    else if (!waiter.isSettled) this.deadlines.add(waiter); // a throwing predicate settles it
    return waiter.promise;
  }
}
