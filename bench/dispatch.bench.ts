import { CALLS, EVENT_STREAMS, type EventStream } from './dispatch-subjects';
import { DrivenProcess } from './driven-process';
import { type BenchmarkResult, type Row, report, round } from './harness';

/**
 * 1. processEvents throughput with 0 to 100k pending filter waiters spread over 25k calls,
 * 1-event and 20-event batches, two streams of events (see EventStream), next to the reference
 * algorithm in the same run. Every event has a fresh CloudEvent id (see FreshBodies). Each
 * subject runs in a process of its own (dispatch-subject.ts): in one shared heap, the subject
 * without waiters would pay for the garbage collection of the others' waiters.
 */
const PENDING = (process.env.PENDING ?? '0,1000,10000,100000').split(',').map(Number);
const BATCHES = (process.env.BATCHES ?? '1,20').split(',').map(Number);
const STREAMS = (process.env.STREAMS?.split(',') ?? EVENT_STREAMS) as EventStream[];
const RUNS = 5;
const RUN_MS = 1_000;

/** A subject in its own process, driven one command at a time (see dispatch-subject.ts). */
function subjectProcess(
  implementation: 'ours' | 'reference',
  pending: number,
  batch: number,
  stream: EventStream,
): DrivenProcess {
  return new DrivenProcess('dispatch-subject.js', [
    implementation,
    String(pending),
    String(batch),
    stream,
  ]);
}

interface Rates {
  /** Events per second (wall clock). */
  rate: number;
  /** CPU µs per event (all the subject process's threads). */
  cpu: number;
}

interface Round {
  events: number;
  ms: number;
  cpuMs: number;
}

/**
 * Rates per subject over RUNS rounds; every round measures every subject once, so that drift in
 * the machine's speed hits them all alike (in reverse order every other round). A first round
 * warms the code up and is dropped. The rate is all events over all time (not a median of
 * rounds: a median would leave out the rounds that hold a major garbage collection, which is
 * where pending waiters cost).
 */
async function measure(subjects: DrivenProcess[]): Promise<Rates[]> {
  await Promise.all(subjects.map((subject) => subject.reply())); // ready
  const totals: Round[] = subjects.map(() => ({ events: 0, ms: 0, cpuMs: 0 }));
  for (let round = 0; round <= RUNS; round++) {
    // Every other round in reverse: the subject measured first in a round is not always the same.
    const order = [...subjects.entries()];
    if (round % 2 === 1) order.reverse();
    for (const [index, subject] of order) {
      const measured = await subject.ask<Round>(`run ${RUN_MS}`);
      const total = totals[index] as Round;
      if (round === 0) continue;
      total.events += measured.events;
      total.ms += measured.ms;
      total.cpuMs += measured.cpuMs;
    }
  }
  for (const subject of subjects) await subject.ask('check');
  await Promise.all(subjects.map((subject) => subject.close()));
  return totals.map((total) => ({
    rate: (total.events / total.ms) * 1000,
    cpu: (total.cpuMs * 1000) / total.events,
  }));
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const stream of STREAMS) {
    for (const batch of BATCHES) {
      const oursRates = await measure(
        PENDING.map((pending) => subjectProcess('ours', pending, batch, stream)),
      );
      const referenceRates = await measure(
        PENDING.map((pending) => subjectProcess('reference', pending, batch, stream)),
      );
      const [oursNone, referenceNone] = [oursRates[0] as Rates, referenceRates[0] as Rates];
      for (const [index, pending] of PENDING.entries()) {
        const mine = oursRates[index] as Rates;
        const theirs = referenceRates[index] as Rates;
        rows.push({
          events: stream,
          batch,
          'pending waiters': pending,
          'ours events/s': Math.round(mine.rate),
          'ours vs 0 pending': round(mine.rate / oursNone.rate),
          'ours CPU µs/event (vs 0 pending)': `${round(mine.cpu, 2)} (${round(oursNone.cpu / mine.cpu)})`,
          'reference events/s': Math.round(theirs.rate),
          'reference vs 0 pending': round(theirs.rate / referenceNone.rate),
          'ours / reference': round(mine.rate / theirs.rate, 1),
        });
      }
    }
  }
  const result: BenchmarkResult = {
    name: 'Dispatch vs pending waiters',
    note: `processEvents throughput (all events over all time of ${RUNS} interleaved rounds of ${RUN_MS} ms, after a warm-up round, each subject in a process of its own) with pending filter waiters spread over ${CALLS} calls; every event has a fresh CloudEvent id and settles no waiter. Events 'other-kind': PlayStarted events of a kind and operationContext none of their call's waiters wants (turned away by the index's prefilter); 'same-operation': PlayCompleted events carrying the operationContext a waiter of their call waits on for RecognizeCompleted, while (from 50k pending) another waiter of the call waits for a PlayCompleted of its own operation: they get past the prefilter into the index, to that waiter's bucket. CPU µs/event: user + system time of the subject's process (garbage collector included), a check on the wall-clock figures of a busy machine. Goal: 100k pending within 20% of none (ours vs 0 pending >= 0.8). The reference tests every event against every waiter.`,
    rows,
  };
  report(result);
}

void main();
