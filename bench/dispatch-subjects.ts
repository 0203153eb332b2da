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
 * Bodies to post: every call of `next()` gives a batch whose events all carry fresh CloudEvent
 * ids, so that no event is dropped as a duplicate (with ids reused, every event after the first
 * pass would stop at the dedupe check, while the reference, which has no dedupe, does the full
 * work). The texts are prepared with an id placeholder; the timed loop only splices a counter
 * into them (a few string concatenations per event, the same for both subjects).
 *
 * Events go to calls that have waiters, of a kind none waits for: every event meets the index
 * (and, in the reference, every waiter) but settles nothing, so waiters stay pending.
 */
export class FreshBodies {
  private readonly templates: string[][];
  private next = 0;
  private id = 0;

  constructor(
    private readonly batch: number,
    count: number,
  ) {
    const placeholder = '@@id@@';
    this.templates = Array.from({ length: count }, (_, index) =>
      JSON.stringify(
        Array.from({ length: batch }, (_unused, offset) => ({
          ...callbackEvent('PlayStarted', `call-${(index * batch + offset) % CALLS}`),
          id: placeholder,
        })),
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

export interface Subject {
  pending: number;
  /** Processes one prepared body; returns the number of events in it. */
  process(body: string): Promise<number> | number;
  close(): Promise<void> | void;
  check(): void;
}

export async function ours(pending: number): Promise<Subject> {
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  const processor = app.get(EventProcessorService);
  for (let index = 0; index < pending; index++) {
    const call = `call-${index % CALLS}`;
    const filter =
      index % 2 === 0
        ? { callConnectionId: call, kind: 'PlayCompleted' }
        : {
            callConnectionId: call,
            operationContext: `op-${index}`,
            kind: ['RecognizeCompleted', 'RecognizeFailed'],
          };
    processor.waitForEvent(filter).catch(() => undefined);
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
    const call = `call-${index % CALLS}`;
    const context = `op-${index}`;
    void processor.waitForEvent((event) =>
      index % 2 === 0
        ? event.callConnectionId === call && event.kind === 'PlayCompleted'
        : event.callConnectionId === call &&
          'operationContext' in event &&
          event.operationContext === context &&
          (event.kind === 'RecognizeCompleted' || event.kind === 'RecognizeFailed'),
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
