import type { CallEventBus, CallEventSink, ReceivedEvent } from './call-event-bus.interface';
import { SeenEventIds } from './seen-event-ids';

/**
 * The bus of a single replica: de-duplicates in memory, delivers at once and runs the handlers
 * here (this replica is the whole cluster).
 */
export class InProcessEventBus implements CallEventBus {
  readonly seen: SeenEventIds;
  private sink: CallEventSink | undefined;
  private readonly early: ReceivedEvent[] = [];

  constructor(dedupeTtlMs: number, maxDedupeIds: number) {
    this.seen = new SeenEventIds(dedupeTtlMs, maxDedupeIds);
  }

  async start(sink: CallEventSink): Promise<void> {
    this.sink = sink;
    // Events processed before start-up (from another module's onModuleInit) are not lost.
    const early = this.early.splice(0);
    for (const received of early) sink.deliver(received);
    for (const received of early) void sink.runHandlers(received);
  }

  publish(events: readonly ReceivedEvent[]): boolean[] {
    const fresh = events.map((received) => {
      if (!this.seen.add(received.metadata.id)) return false;
      if (this.sink) this.sink.deliver(received);
      else this.early.push(received);
      return true;
    });
    const sink = this.sink;
    if (sink) {
      for (let index = 0; index < events.length; index++) {
        if (fresh[index]) void sink.runHandlers(events[index] as ReceivedEvent);
      }
    }
    return fresh;
  }

  /** Handlers run here or nowhere: a draining replica still runs those of what it accepts. */
  stopTakingHandlers(): void {}

  async close(): Promise<void> {
    this.sink = undefined;
    this.seen.clear();
  }
}
