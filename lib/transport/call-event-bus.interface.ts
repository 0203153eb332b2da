import type { AnyCallEvent, CallEventMetadata } from '../events/call-event.types';
import type { CloudEvent } from '../events/cloud-event';

/** An event as it travels: parsed, with its envelope, and the CloudEvent it came from. */
export interface ReceivedEvent {
  event: AnyCallEvent;
  metadata: CallEventMetadata;
  cloudEvent: CloudEvent;
  /**
   * The JSON text this event arrived in, when that text holds it alone (a CloudEvent or a
   * 1-element batch): the backlog keeps it instead of serialising the event again (about 12k of
   * 191k instructions per webhook request, see EventBacklog).
   */
  source?: string;
  /**
   * The W3C trace context of the webhook batch that received it (when tracing), carried to the
   * replicas that deliver it, so their spans link to it.
   */
  traceparent?: string;
}

/**
 * Where a bus hands accepted events, in the two scopes of a cluster (see CallEventDispatcher).
 * In-process both run on this replica; with Redis, `deliver` runs on every replica and
 * `runHandlers` on one (the one that took the stream entry for the cluster's consumer group).
 */
export interface CallEventSink {
  /**
   * Every accepted event of the cluster, once on every replica: waiters, operations, ongoing
   * handlers, the backlog, CallDisconnected clean-up. Synchronous and cheap.
   */
  deliver(received: ReceivedEvent): void;
  /**
   * Every accepted event, at least once in the cluster (normally once): `@OnCallEvent`
   * handlers and the event-emitter bridge. Must not throw and must not delay the caller (the
   * sink defers the work). Resolves, never rejects, once this event's handlers have settled
   * (the Redis bus then acknowledges the stream entry).
   */
  runHandlers(received: ReceivedEvent): Promise<void>;
}

/**
 * Carries accepted events to every replica's matching engine and to one replica's handlers.
 * In-process: a direct call. With Redis: a stream that every replica reads from its last
 * position, and that a consumer group hands to one replica's handlers.
 */
export interface CallEventBus {
  /** Connects; from now on the sink gets every accepted event of the cluster. */
  start(sink: CallEventSink): Promise<void>;
  /**
   * Drops duplicates (across the cluster) and hands the rest over durably. Resolves with one
   * flag per event: true when it was new, false for a duplicate. Rejects when the hand-over
   * failed; then none of these events counts as seen, so a redelivery is accepted. A bus that
   * needs no I/O (in-process) answers at once, without a promise.
   */
  publish(events: readonly ReceivedEvent[]): boolean[] | Promise<boolean[]>;
  /**
   * This replica is draining: it takes no new handler work, so that new calls' handlers (an
   * IncomingCall's call flow) start on the other replicas; handlers already running go on.
   * In-process: nothing changes (there is no other replica).
   */
  stopTakingHandlers(): void;
  /** Stops delivering and closes connections. */
  close(): Promise<void>;
}
