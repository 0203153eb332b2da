import { EventBusUnavailableError } from './event-bus-unavailable.error';

/**
 * `redis.waitForReplicas` was not met: the hand-over script ran on the primary (the events are
 * in the stream, their handlers run, waiters get them), but fewer replicas than asked confirmed
 * the write in time. The webhook still answers 503, so the sender delivers again rather than
 * count on a write a failover could lose; that redelivery is answered as a duplicate.
 */
export class ReplicasNotConfirmedError extends EventBusUnavailableError {
  constructor(
    readonly confirmed: number,
    readonly wanted: number,
    readonly waitedMs: number,
  ) {
    super(
      `The events were written to the Redis primary but only ${confirmed} of the ${wanted} Redis replica(s) that redis.waitForReplicas asks for confirmed them within ${waitedMs} ms.`,
    );
  }
}
