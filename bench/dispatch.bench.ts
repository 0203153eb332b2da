import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CallAutomationModule, EventProcessorService } from 'nestjs-call-automation';
import {
  type BenchmarkResult,
  callbackEvent,
  median,
  type Row,
  report,
  round,
  throughput,
} from './harness';
import { ReferenceEventProcessor } from './reference-event-processor';

/**
 * 1. processEvents throughput with 0 to 100k pending filter waiters spread over 25k calls,
 * 1-event and 20-event batches, next to the reference algorithm in the same run.
 */
const CALLS = 25_000;
const PENDING = [0, 1_000, 10_000, 100_000];
const BATCHES = [1, 20];
const RUNS = 5;
const RUN_MS = 600;

@Module({ imports: [CallAutomationModule.forRoot({ defaultTimeoutMs: 3_600_000 })] })
class BenchModule {}

function bodies(batch: number, count: number): string[] {
  // Events for calls that have waiters, of a kind none waits for: every event meets the
  // index (and, in the reference, every waiter) but settles nothing, so waiters stay pending.
  return Array.from({ length: count }, (_, index) =>
    JSON.stringify(
      Array.from({ length: batch }, (_unused, offset) =>
        callbackEvent('PlayStarted', `call-${(index * batch + offset) % CALLS}`),
      ),
    ),
  );
}

interface Subject {
  pending: number;
  /** Processes one prepared body; returns the number of events in it. */
  process(body: string): Promise<number> | number;
  close(): Promise<void> | void;
  check(): void;
}

async function ours(pending: number): Promise<Subject> {
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
  return {
    pending,
    process: async (body) => (await processor.processEvents(body)).received,
    close: () => app.close(),
    check: () => {
      if (processor.snapshot().pendingWaiters !== pending)
        throw new Error('waiters were settled: the benchmark is wrong');
    },
  };
}

function reference(pending: number): Subject {
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

/**
 * Medians per subject over RUNS rounds; every round measures every subject once, so that drift
 * in the machine's speed hits them all alike. A first round warms the code up and is dropped.
 */
async function measure(subjects: Subject[], batch: number): Promise<number[]> {
  const prepared = bodies(batch, 4_000);
  const samples: number[][] = subjects.map(() => []);
  let next = 0;
  for (let round = 0; round <= RUNS; round++) {
    for (const [index, subject] of subjects.entries()) {
      const rate = await throughput(RUN_MS, () =>
        subject.process(prepared[next++ % prepared.length] as string),
      );
      if (round > 0) (samples[index] as number[]).push(rate);
    }
  }
  for (const subject of subjects) subject.check();
  return samples.map(median);
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const batch of BATCHES) {
    const oursSubjects = await Promise.all(PENDING.map(ours));
    const referenceSubjects = PENDING.map(reference);
    const oursRates = await measure(oursSubjects, batch);
    const referenceRates = await measure(referenceSubjects, batch);
    await Promise.all([...oursSubjects, ...referenceSubjects].map((subject) => subject.close()));
    for (const [index, pending] of PENDING.entries()) {
      const mine = oursRates[index] as number;
      const theirs = referenceRates[index] as number;
      rows.push({
        batch,
        'pending waiters': pending,
        'ours events/s': Math.round(mine),
        'ours vs 0 pending': round(mine / (oursRates[0] as number)),
        'reference events/s': Math.round(theirs),
        'reference vs 0 pending': round(theirs / (referenceRates[0] as number)),
        'ours / reference': round(mine / theirs, 1),
      });
    }
  }
  const result: BenchmarkResult = {
    name: 'Dispatch vs pending waiters',
    note: `processEvents throughput (median of ${RUNS} interleaved rounds of ${RUN_MS} ms, after a warm-up round) with pending filter waiters spread over ${CALLS} calls; every event reaches a call with waiters but settles none. Goal: 100k pending within 20% of none (ours vs 0 pending >= 0.8). The reference tests every event against every waiter.`,
    rows,
  };
  report(result);
}

void main();
