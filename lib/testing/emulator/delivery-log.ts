import type { EventGridSchemaEvent } from '../events/event-grid-events';
import type { CloudEvent } from '../library-types';

/** One HTTP attempt at posting an event (a callback, or an Event Grid delivery). */
export interface DeliveryAttempt {
  /** Where it was posted. */
  readonly url: string;
  /** The event (the body held it in a one-element array). */
  readonly event: CloudEvent | EventGridSchemaEvent;
  /** `PlayCompleted`, `IncomingCall`, `SubscriptionValidationEvent`... */
  readonly kind: string;
  readonly callConnectionId?: string;
  readonly operationContext?: string;
  /** 1 for the first try, 2 for the first retry... */
  readonly attempt: number;
  /** True for the second copy of a scripted duplicate (same CloudEvent id). */
  readonly duplicate: boolean;
  /** HTTP status; absent when the request failed at network level. */
  readonly status?: number;
  /** The network error, when there was no HTTP answer. */
  readonly error?: string;
  /** True for a 2xx answer. */
  readonly ok: boolean;
  readonly at: Date;
}

/** Which attempts to wait for: fields that must all match, or a predicate. */
export type DeliveryFilter =
  | {
      kind?: string | readonly string[];
      callConnectionId?: string;
      operationContext?: string;
      url?: string;
      ok?: boolean;
    }
  | ((attempt: DeliveryAttempt) => boolean);

export function matchesDelivery(attempt: DeliveryAttempt, filter: DeliveryFilter): boolean {
  if (typeof filter === 'function') return filter(attempt);
  const kinds = typeof filter.kind === 'string' ? [filter.kind] : filter.kind;
  return (
    (kinds === undefined || kinds.includes(attempt.kind)) &&
    (filter.callConnectionId === undefined ||
      filter.callConnectionId === attempt.callConnectionId) &&
    (filter.operationContext === undefined ||
      filter.operationContext === attempt.operationContext) &&
    (filter.url === undefined || filter.url === attempt.url) &&
    (filter.ok === undefined || filter.ok === attempt.ok)
  );
}

interface Waiter {
  filter: DeliveryFilter;
  resolve(attempt: DeliveryAttempt): void;
  reject(error: Error): void;
}

/** Every delivery attempt of an emulator, in order, and waits on them. */
export class DeliveryLog {
  private readonly attempts: DeliveryAttempt[] = [];
  private readonly waiters = new Set<Waiter>();

  get all(): readonly DeliveryAttempt[] {
    return [...this.attempts];
  }

  add(attempt: DeliveryAttempt): void {
    this.attempts.push(attempt);
    for (const waiter of [...this.waiters]) {
      if (matchesDelivery(attempt, waiter.filter)) {
        this.waiters.delete(waiter);
        waiter.resolve(attempt);
      }
    }
  }

  /**
   * The first attempt (already made, or coming) that matches; rejects after `timeoutMs`
   * or when the emulator stops.
   */
  waitFor(filter: DeliveryFilter, timeoutMs: number): Promise<DeliveryAttempt> {
    const found = this.attempts.find((attempt) => matchesDelivery(attempt, filter));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`No delivery matching ${describeFilter(filter)} within ${timeoutMs} ms.`));
      }, timeoutMs);
      timer.unref();
      const waiter: Waiter = {
        filter,
        resolve: (attempt) => {
          clearTimeout(timer);
          resolve(attempt);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** Rejects every pending wait. */
  stop(): void {
    for (const waiter of this.waiters) waiter.reject(new Error('The ACS emulator stopped.'));
    this.waiters.clear();
  }

  clear(): void {
    this.attempts.length = 0;
  }
}

function describeFilter(filter: DeliveryFilter): string {
  return typeof filter === 'function' ? 'the predicate' : JSON.stringify(filter);
}
