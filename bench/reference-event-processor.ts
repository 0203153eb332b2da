import { parseCallAutomationEvent } from '@azure/communication-call-automation';

type ParsedEvent = ReturnType<typeof parseCallAutomationEvent>;

interface ReferenceWaiter {
  predicate: (event: ParsedEvent) => boolean;
  resolve: (event: ParsedEvent) => void;
}

/**
 * The Azure SDK for .NET's event processor algorithm, ported for comparison only: every event
 * is tested against every pending waiter, every event goes into a backlog list with a timer of
 * its own, and a new waiter scans that list. (It also parses every event of a batch, which the
 * original does not, so both sides do the same parsing work.)
 */
export class ReferenceEventProcessor {
  private waiters: ReferenceWaiter[] = [];
  private readonly backlog: { event: ParsedEvent; timer: NodeJS.Timeout }[] = [];

  constructor(private readonly backlogTtlMs = 5_000) {}

  get pending(): number {
    return this.waiters.length;
  }

  processEvents(body: string): number {
    const events = JSON.parse(body) as Record<string, unknown>[];
    for (const cloudEvent of events) {
      const event = parseCallAutomationEvent({
        ...cloudEvent,
        data: { ...(cloudEvent.data as object) },
      });
      const remaining: ReferenceWaiter[] = [];
      for (const waiter of this.waiters) {
        if (waiter.predicate(event)) waiter.resolve(event);
        else remaining.push(waiter);
      }
      this.waiters = remaining;
      const entry = { event, timer: setTimeout(() => this.remove(entry), this.backlogTtlMs) };
      entry.timer.unref();
      this.backlog.push(entry);
    }
    return events.length;
  }

  waitForEvent(predicate: (event: ParsedEvent) => boolean): Promise<ParsedEvent> {
    const early = this.backlog.find((entry) => predicate(entry.event));
    if (early) {
      this.remove(early);
      return Promise.resolve(early.event);
    }
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }

  close(): void {
    for (const entry of this.backlog) clearTimeout(entry.timer);
    this.backlog.length = 0;
    this.waiters = [];
  }

  private remove(entry: { event: ParsedEvent; timer: NodeJS.Timeout }): void {
    const index = this.backlog.indexOf(entry);
    if (index !== -1) this.backlog.splice(index, 1);
    clearTimeout(entry.timer);
  }
}
