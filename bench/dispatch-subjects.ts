import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CallAutomationModule, EventProcessorService } from 'nestjs-call-automation';
import { callbackEvent } from './harness';
import { ReferenceEventProcessor } from './reference-event-processor';

/**
 * The two subjects of the dispatch benchmarks (the library's processor and the reference
 * algorithm) with their pending waiters, and the bodies they are fed.
 */
export const CALLS = 25_000;

@Module({ imports: [CallAutomationModule.forRoot({ defaultTimeoutMs: 3_600_000 })] })
class BenchModule {}

/**
 * Which events the dispatch benchmarks post. Both go to calls that have waiters and settle none,
 * so that the waiters stay pending (see `waitedFor` for the waiters):
 * - `other-kind`: PlayStarted events, a kind none of the call's waiters waits for, with an
 *   operationContext none waits on: turned away by the index's prefilter (most of a call's
 *   events are of this sort);
 * - `same-operation`: PlayCompleted events to odd calls, carrying the operationContext that a
 *   waiter of the call waits on for RecognizeCompleted or RecognizeFailed. With 50k pending or
 *   more, another waiter of the call waits on its own operation for PlayCompleted, so the
 *   prefilter lets the event through to the first waiter, which turns it down: the full cost of
 *   the index. (Below 50k pending, no waiter of those calls waits for PlayCompleted.)
 */
export type EventStream = 'other-kind' | 'same-operation';
export const EVENT_STREAMS: readonly EventStream[] = ['other-kind', 'same-operation'];

/**
 * Bodies to post: every call of `take()` gives a batch whose events all carry fresh CloudEvent
 * ids, so that no event is dropped as a duplicate (with ids reused, every event after the first
 * pass would stop at the dedupe check, while the reference, which has no dedupe, does the full
 * work). The texts are prepared with an id placeholder; the timed loop only splices a counter
 * into them (a few string concatenations per event, the same for both subjects).
 */
export class FreshBodies {
  private readonly templates: string[][];
  private next = 0;
  private id = 0;

  constructor(
    private readonly batch: number,
    count: number,
    stream: EventStream = 'other-kind',
  ) {
    const placeholder = '@@id@@';
    this.templates = Array.from({ length: count }, (_, index) =>
      JSON.stringify(
        Array.from({ length: batch }, (_unused, offset) => {
          const position = index * batch + offset;
          return { ...eventOf(stream, position), id: placeholder };
        }),
      ).split(placeholder),
    );
  }

  /** The next body, with `batch` ids never used before (as long as a UUID, for the same hashing work). */
  take(): string {
    const parts = this.templates[this.next++ % this.templates.length] as string[];
    let text = parts[0] as string;
    for (let index = 1; index <= this.batch; index++) {
      text += `00000000-0000-4000-8000-${(this.id++).toString(16).padStart(12, '0')}${parts[index] as string}`;
    }
    return text;
  }
}

/** The `position`th event of a stream (see EventStream and waitedFor). */
function eventOf(stream: EventStream, position: number) {
  if (stream === 'other-kind') return callbackEvent('PlayStarted', `call-${position % CALLS}`);
  // Waiter `index` of an odd call waits on `op-${index}`, and waiter `call` is one of them.
  const call = ((2 * position) % CALLS) + 1;
  return callbackEvent('PlayCompleted', `call-${call}`, { operationContext: `op-${call}` });
}

export interface Subject {
  pending: number;
  /** Processes one prepared body; returns the number of events in it. */
  process(body: string): Promise<number> | number;
  close(): Promise<void> | void;
  check(): void;
}

/**
 * What pending waiter `index` waits for: waiters are spread over CALLS calls; those of even calls
 * wait for the call's PlayCompleted, those of odd calls for the outcome of an operation of their
 * own (`op-${index}`): RecognizeCompleted or RecognizeFailed in the first and third 25k,
 * PlayCompleted or PlayFailed in the second and fourth.
 */
export function waitedFor(index: number): {
  callConnectionId: string;
  operationContext?: string;
  kind: string[];
} {
  const callConnectionId = `call-${index % CALLS}`;
  if (index % 2 === 0) return { callConnectionId, kind: ['PlayCompleted'] };
  const kind =
    Math.floor(index / CALLS) % 2 === 0
      ? ['RecognizeCompleted', 'RecognizeFailed']
      : ['PlayCompleted', 'PlayFailed'];
  return { callConnectionId, operationContext: `op-${index}`, kind };
}

export async function ours(pending: number): Promise<Subject> {
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  const processor = app.get(EventProcessorService);
  for (let index = 0; index < pending; index++) {
    processor.waitForEvent(waitedFor(index)).catch(() => undefined);
  }
  let duplicates = 0;
  return {
    pending,
    process: async (body) => {
      const summary = await processor.processEvents(body);
      duplicates += summary.duplicates;
      return summary.received;
    },
    close: () => app.close(),
    check: () => {
      if (processor.snapshot().pendingWaiters !== pending)
        throw new Error('waiters were settled: the benchmark is wrong');
      if (duplicates > 0)
        throw new Error(`${duplicates} events were dropped as duplicates: the benchmark is wrong`);
    },
  };
}

export function reference(pending: number): Subject {
  const processor = new ReferenceEventProcessor();
  for (let index = 0; index < pending; index++) {
    const { callConnectionId, operationContext, kind } = waitedFor(index);
    // The same condition as a closure, as the .NET processor's predicates are.
    void processor.waitForEvent(
      (event) =>
        event.callConnectionId === callConnectionId &&
        (operationContext === undefined ||
          ('operationContext' in event && event.operationContext === operationContext)) &&
        kind.includes(event.kind),
    );
  }
  return {
    pending,
    process: (body) => processor.processEvents(body),
    close: () => processor.close(),
    check: () => {
      if (processor.pending !== pending) throw new Error('reference waiters were settled');
    },
  };
}
