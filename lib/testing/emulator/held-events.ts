import type { CloudEvent } from '../library-types';
import type { DeliveryAttempt } from './delivery-log';

/** Which callback events to hold back; all given fields must match. */
export interface EventHoldFilter {
  kind?: string | readonly string[];
  callConnectionId?: string;
  operationContext?: string;
}

/** A held event and where it was going. */
export interface HeldDelivery {
  readonly event: CloudEvent;
  readonly url: string;
  readonly duplicate: boolean;
}

/** The order held events are released in: as held, reversed, or any order you compute. */
export type ReleaseOrder =
  | 'asHeld'
  | 'reverse'
  | ((events: readonly CloudEvent[]) => readonly CloudEvent[]);

/**
 * Callback events caught instead of being delivered, until `release` sends them (in the order
 * you choose, to test reordering) or `discard` drops them (to test lost events).
 */
export class HeldEvents {
  private readonly held: HeldDelivery[] = [];
  private readonly countWaiters = new Set<() => void>();
  private active = true;

  constructor(
    private readonly filter: EventHoldFilter,
    private readonly deliver: (held: HeldDelivery) => Promise<DeliveryAttempt>,
    private readonly onEnd: (hold: HeldEvents) => void,
  ) {}

  /** The events held so far, in the order they would have been sent. */
  get events(): readonly CloudEvent[] {
    return this.held.map((entry) => entry.event);
  }

  /** True while this hold still catches events. */
  get isActive(): boolean {
    return this.active;
  }

  /** @internal Takes the event when it matches; true when taken. */
  capture(delivery: HeldDelivery): boolean {
    if (!this.active || !this.matches(delivery.event)) return false;
    this.held.push(delivery);
    for (const check of [...this.countWaiters]) check();
    return true;
  }

  /** Resolves once `count` events are held; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 5_000): Promise<readonly CloudEvent[]> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.held.length < count) return;
        this.countWaiters.delete(check);
        clearTimeout(timer);
        resolve(this.events);
      };
      const timer = setTimeout(() => {
        this.countWaiters.delete(check);
        reject(
          new Error(
            `Only ${this.held.length} of ${count} events were held within ${timeoutMs} ms.`,
          ),
        );
      }, timeoutMs);
      timer.unref();
      this.countWaiters.add(check);
      check();
    });
  }

  /**
   * Stops holding and delivers what was held, one after the other, in `order`. Resolves with
   * the final delivery attempt of each.
   */
  async release(order: ReleaseOrder = 'asHeld'): Promise<DeliveryAttempt[]> {
    this.end();
    const entries = this.held.splice(0);
    const ordered = this.order(entries, order);
    const attempts: DeliveryAttempt[] = [];
    for (const entry of ordered) attempts.push(await this.deliver(entry));
    return attempts;
  }

  /** Stops holding and drops what was held: those events are never delivered. */
  discard(): readonly CloudEvent[] {
    this.end();
    return this.held.splice(0).map((entry) => entry.event);
  }

  private end(): void {
    if (!this.active) return;
    this.active = false;
    this.onEnd(this);
  }

  private order(entries: HeldDelivery[], order: ReleaseOrder): HeldDelivery[] {
    if (order === 'asHeld') return entries;
    if (order === 'reverse') return [...entries].reverse();
    const wanted = order(entries.map((entry) => entry.event));
    return wanted.map((event) => {
      const entry = entries.find((candidate) => candidate.event === event);
      if (!entry) throw new Error('release(order): return only events that were held.');
      return entry;
    });
  }

  private matches(event: CloudEvent): boolean {
    const kinds = typeof this.filter.kind === 'string' ? [this.filter.kind] : this.filter.kind;
    const kind = event.type.replace(/^Microsoft\.Communication\./, '');
    const data = event.data as { callConnectionId?: unknown; operationContext?: unknown };
    return (
      (kinds === undefined || kinds.includes(kind)) &&
      (this.filter.callConnectionId === undefined ||
        this.filter.callConnectionId === data.callConnectionId) &&
      (this.filter.operationContext === undefined ||
        this.filter.operationContext === data.operationContext)
    );
  }
}
