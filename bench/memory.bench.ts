import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CallAutomationModule, EventProcessorService } from 'nestjs-call-automation';
import { type BenchmarkResult, callbackEvent, gc, type Row, report, round, sleep } from './harness';

/**
 * 5. Memory: heap per live call with 10k concurrent calls (each with a pending waiter, a
 * pending operation, an ongoing handler and backlog entries); then every call disconnects,
 * the backlog TTL passes, GC runs: the heap should be back within 10% of the start. Then the
 * bounds under a flood: 1M distinct event ids, and 100k events nobody claims.
 */
const CALLS = 10_000;
const BACKLOG_TTL_MS = 5_000;
const MB = 1024 * 1024;

// The memory of ended calls (disconnectedCallTtlMs, 60 s by default) is set to the backlog's TTL
// so that one wait shows everything of the calls gone; with the default it holds their 10,000
// CallDisconnected events (about 6 MB) for a minute, by design.
@Module({
  imports: [
    CallAutomationModule.forRoot({
      backlogTtlMs: BACKLOG_TTL_MS,
      disconnectedCallTtlMs: BACKLOG_TTL_MS,
    }),
  ],
})
class BenchModule {}

function heap(): { used: number; external: number } {
  gc();
  const usage = process.memoryUsage();
  return { used: usage.heapUsed, external: usage.external };
}

async function feed(
  processor: EventProcessorService,
  events: ReturnType<typeof callbackEvent>[],
): Promise<void> {
  for (let index = 0; index < events.length; index += 100)
    await processor.processEvents(events.slice(index, index + 100));
}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  const processor = app.get(EventProcessorService);
  // Warm up every code path once, so that start and end compare the same loaded code.
  await feed(processor, [
    callbackEvent('CallConnected', 'warm-up'),
    callbackEvent('CallDisconnected', 'warm-up'),
  ]);
  await sleep(BACKLOG_TTL_MS + 200);
  const start = heap();

  let rejected = 0;
  const noop = () => undefined;
  for (let index = 0; index < CALLS; index++) {
    const call = `call-${index}`;
    processor
      .waitForEvent({ callConnectionId: call, kind: 'PlayCompleted' })
      .catch(() => rejected++);
    processor.attachOngoingEventProcessor(call, 'ParticipantsUpdated', noop);
    processor.registerOperation({
      operationContext: randomUUID(),
      callConnectionId: call,
      successKinds: ['RecognizeCompleted'],
      failureKinds: ['RecognizeFailed'],
      name: 'startRecognizing',
    });
  }
  const events: ReturnType<typeof callbackEvent>[] = [];
  for (let index = 0; index < CALLS; index++) {
    events.push(
      callbackEvent('CallConnected', `call-${index}`),
      callbackEvent('PlayStarted', `call-${index}`),
    );
  }
  await feed(processor, events);
  const live = heap();
  const state = {
    waiters: processor.snapshot().pendingWaiters,
    operations: processor.snapshot().pendingOperations,
    backlog: processor.snapshot().backlogEvents,
  };

  await feed(
    processor,
    Array.from({ length: CALLS }, (_, index) => callbackEvent('CallDisconnected', `call-${index}`)),
  );
  await sleep(BACKLOG_TTL_MS + 500);
  const end = heap();
  if (rejected !== CALLS) throw new Error(`only ${rejected} of ${CALLS} waiters were released`);

  const beforeFlood = heap();
  const flood: ReturnType<typeof callbackEvent>[] = [];
  for (let batch = 0; batch < 10_000; batch++) {
    flood.length = 0;
    for (let index = 0; index < 100; index++)
      flood.push(callbackEvent('PlayStarted', `flood-${(batch * 100 + index) % 100_000}`));
    await processor.processEvents(flood);
  }
  const afterFlood = heap();
  const backlogAfterFlood = processor.snapshot().backlogEvents;
  await app.close();

  const rows: Row[] = [
    {
      measure: `heap per live call (${CALLS} calls)`,
      value: `${Math.round((live.used - start.used) / CALLS)} bytes`,
      detail: `${state.waiters} waiters, ${state.operations} operations, ${CALLS} ongoing handlers, ${state.backlog} backlog events`,
    },
    {
      measure: 'heap at start',
      value: `${round(start.used / MB, 1)} MB`,
      detail: 'after warm-up and GC',
    },
    { measure: 'heap with the calls live', value: `${round(live.used / MB, 1)} MB`, detail: '' },
    {
      measure: 'heap after all disconnected + backlog TTL + GC',
      value: `${round(end.used / MB, 1)} MB`,
      detail: `${round((end.used / start.used - 1) * 100, 1)}% vs start (goal: within 10%)`,
    },
    {
      measure: 'flood: 1M distinct event ids, 100k calls, none claimed',
      value: `${round((afterFlood.used - beforeFlood.used) / MB, 1)} MB heap growth`,
      detail: `backlog holds ${backlogAfterFlood} (maxBacklogEvents 10000); dedupe ids live in ${round(afterFlood.external / MB, 1)} MB of fixed typed arrays (external memory ${round((afterFlood.external - beforeFlood.external) / MB, 2)} MB growth)`,
    },
  ];
  const result: BenchmarkResult = {
    name: 'Memory',
    note: `process.memoryUsage().heapUsed after forced GC (node --expose-gc), backlogTtlMs and disconnectedCallTtlMs ${BACKLOG_TTL_MS}, other options at their defaults.`,
    rows,
  };
  report(result);
}

void main();
