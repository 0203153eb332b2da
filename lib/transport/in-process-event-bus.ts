import { SeenEventIds } from '../processor/seen-event-ids';
import type { CallEventBus, ReceivedEvent } from './call-event-bus.interface';

/** The bus of a single replica: de-duplicates in memory and delivers at once. */
export class InProcessEventBus implements CallEventBus {
  readonly seen: SeenEventIds;
  private deliver: ((received: ReceivedEvent) => void) | undefined;
  private readonly early: ReceivedEvent[] = [];

  constructor(dedupeTtlMs: number, maxDedupeIds: number) {
    this.seen = new SeenEventIds(dedupeTtlMs, maxDedupeIds);
  }

  async start(deliver: (received: ReceivedEvent) => void): Promise<void> {
    this.deliver = deliver;
    // Events processed before start-up (from another module's onModuleInit) are not lost.
    for (const received of this.early.splice(0)) deliver(received);
  }

  publish(events: readonly ReceivedEvent[]): boolean[] {
    return events.map((received) => {
      if (!this.seen.add(received.metadata.id)) return false;
      if (this.deliver) this.deliver(received);
      else this.early.push(received);
      return true;
    });
  }

  async close(): Promise<void> {
    this.deliver = undefined;
    this.seen.clear();
  }
}
