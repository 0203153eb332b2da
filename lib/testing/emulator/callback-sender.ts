import type { EventGridSchemaEvent } from '../events/event-grid-events';
import type { CloudEvent } from '../library-types';
import type { DeliveryAttempt, DeliveryLog } from './delivery-log';
import { sendHttpRequest } from './http-client';
import type { TimerRegistry } from './timer-registry';

/** How deliveries are retried. */
export interface DeliveryPolicy {
  /** Retries after a 5xx answer or a network error. */
  retries: number;
  /** Wait before the first retry; doubles for each further one. */
  retryDelayMs: number;
  /** How long one attempt waits for an answer. */
  timeoutMs: number;
}

/** One event to post. */
export interface OutgoingDelivery {
  url: string;
  event: CloudEvent | EventGridSchemaEvent;
  /** What goes on the wire (usually `[event]`). */
  body: unknown;
  headers?: Record<string, string>;
  /** Makes the bearer token of an attempt; ACS issues a new one per delivery. */
  bearerToken?: () => Promise<string>;
  /** The second copy of a scripted duplicate. */
  duplicate?: boolean;
  contentType?: string;
}

const EVENT_TYPE_PREFIX = /^Microsoft\.(Communication|EventGrid)\./;

/**
 * Posts events and retries the way a webhook expects of ACS: an answer of 5xx (the app could
 * not hand the event over) or a network error is retried with a short backoff. Every attempt
 * is recorded in the delivery log.
 */
export class CallbackSender {
  private readonly inFlight = new Set<AbortController>();

  constructor(
    private readonly log: DeliveryLog,
    private readonly timers: TimerRegistry,
    private readonly policy: DeliveryPolicy,
  ) {}

  /** Resolves with the last attempt: a success, a 4xx, or the last failed retry. */
  async deliver(delivery: OutgoingDelivery): Promise<DeliveryAttempt> {
    if (this.timers.isStopped) throw new Error('The ACS emulator stopped.');
    let attempt = 0;
    for (;;) {
      attempt += 1;
      const record = await this.attemptOnce(delivery, attempt);
      const retryable = record.status === undefined || record.status >= 500;
      if (!retryable || attempt > this.policy.retries || this.timers.isStopped) return record;
      await this.timers.sleep(this.policy.retryDelayMs * 2 ** (attempt - 1));
      if (this.timers.isStopped) return record;
    }
  }

  /** Aborts every request in flight (on stop). */
  abortAll(): void {
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
  }

  private async attemptOnce(delivery: OutgoingDelivery, attempt: number): Promise<DeliveryAttempt> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    const headers: Record<string, string> = {
      'content-type': delivery.contentType ?? 'application/json; charset=utf-8',
      'user-agent': 'acs-call-automation-emulator',
      ...delivery.headers,
    };
    let status: number | undefined;
    let error: string | undefined;
    try {
      if (delivery.bearerToken) headers.authorization = `Bearer ${await delivery.bearerToken()}`;
      const reply = await sendHttpRequest(delivery.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(delivery.body),
        timeoutMs: this.policy.timeoutMs,
        signal: controller.signal,
      });
      status = reply.status;
    } catch (failure) {
      error = (failure as Error).message;
    } finally {
      this.inFlight.delete(controller);
    }
    const record: DeliveryAttempt = {
      url: delivery.url,
      event: delivery.event,
      kind: kindOf(delivery.event),
      callConnectionId: stringField(delivery.event.data, 'callConnectionId'),
      operationContext: stringField(delivery.event.data, 'operationContext'),
      attempt,
      duplicate: delivery.duplicate ?? false,
      status,
      error,
      ok: status !== undefined && status >= 200 && status < 300,
      at: new Date(),
    };
    this.log.add(record);
    return record;
  }
}

function kindOf(event: CloudEvent | EventGridSchemaEvent): string {
  const type = 'eventType' in event ? event.eventType : event.type;
  return type.replace(EVENT_TYPE_PREFIX, '');
}

function stringField(data: object, name: string): string | undefined {
  const value = (data as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}
