import type { CloudEvent } from '../library-types';
import type { CallbackSender } from './callback-sender';
import type { CallbackTokenSigner } from './callback-token-signer';
import type { DeliveryAttempt } from './delivery-log';
import { type EventHoldFilter, type HeldDelivery, HeldEvents } from './held-events';
import type { TimerRegistry } from './timer-registry';

/** A callback event on its way. */
export interface QueuedEvent {
  event: CloudEvent;
  url: string;
  /** Deliver it twice with the same CloudEvent id. */
  duplicate: boolean;
}

/**
 * Sends callback events: those of one call in order, each after its kind's delay, each in its
 * own POST (`[event]`) with a fresh bearer token. Events matching an active hold are caught
 * instead of sent.
 */
export class EventDispatcher {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly holds = new Set<HeldEvents>();

  constructor(
    private readonly sender: CallbackSender,
    private readonly signer: CallbackTokenSigner,
    private readonly timers: TimerRegistry,
    private readonly delayBefore: (event: CloudEvent) => number,
  ) {}

  /**
   * Queues `items` behind what `key` (a call) already has queued. Resolves once they are all
   * delivered (or held, or given up after the retries).
   */
  enqueue(key: string, items: readonly QueuedEvent[]): Promise<void> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.sendInOrder(items));
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
    return next;
  }

  /** Sends one event now, outside any queue (released holds, `sendEvent`). */
  async deliverNow(item: HeldDelivery): Promise<DeliveryAttempt> {
    const attempt = await this.sender.deliver({
      url: item.url,
      event: item.event,
      body: [item.event],
      bearerToken: () => this.signer.sign(),
    });
    if (!item.duplicate) return attempt;
    return this.sender.deliver({
      url: item.url,
      event: item.event,
      body: [item.event],
      bearerToken: () => this.signer.sign(),
      duplicate: true,
    });
  }

  /** Starts holding events that match `filter`. */
  hold(filter: EventHoldFilter): HeldEvents {
    const hold = new HeldEvents(
      filter,
      (item) => this.deliverNow(item),
      (ended) => this.holds.delete(ended),
    );
    this.holds.add(hold);
    return hold;
  }

  /** Resolves once every queue has drained (used by stop, after timers are canceled). */
  async drained(): Promise<void> {
    while (this.chains.size > 0) await Promise.allSettled([...this.chains.values()]);
  }

  private async sendInOrder(items: readonly QueuedEvent[]): Promise<void> {
    for (const item of items) {
      await this.timers.sleep(this.delayBefore(item.event));
      if (this.timers.isStopped) return;
      if ([...this.holds].some((hold) => hold.capture(item))) continue;
      try {
        await this.deliverNow(item);
      } catch {
        // Only a stop interrupts a delivery (failed attempts are recorded, not thrown).
        if (this.timers.isStopped) return;
      }
    }
  }
}
