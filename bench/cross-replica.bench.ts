import 'reflect-metadata';
import { execFile, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { CallAutomationModule, EventProcessorService } from 'nestjs-call-automation';
import { type BenchmarkResult, median, percentile, type Row, report, round } from './harness';
import { redisForBench } from './redis-for-bench';

/**
 * 4. Cross-replica delivery: from the moment a callback is sent to replica B until the waiter
 * on replica A resolves, through Redis, at 1k and 5k events/s. A, B and the load generator are
 * separate processes; each event carries the time it was sent, and A registers each event's
 * waiter (keyed by operationContext) 20 ms before it is sent, on a schedule both share. Side by side: the same measure within
 * one replica without Redis (the callbacks posted to A itself). Goal: p99 < 5 ms through Redis.
 */
const RATES = [1_000, 5_000];
const SECONDS = 4;
const RUNS = 3;
/** A waiter is registered this long before its event is sent. */
const AHEAD_MS = 20;
const run = promisify(execFile);

async function startReplica(
  options: Parameters<typeof CallAutomationModule.forRoot>[0],
): Promise<INestApplication> {
  @Module({ imports: [CallAutomationModule.forRoot(options)] })
  class ReplicaModule {}
  const app = await NestFactory.create(ReplicaModule, new FastifyAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  return app;
}

/**
 * Runs the load against `url` while A registers a waiter for each event shortly before it is
 * sent (as an app registers an operation's waiter just before its request), on the schedule
 * both processes share.
 */
async function measure(
  processor: EventProcessorService,
  url: string,
  rate: number,
): Promise<number[]> {
  const prefix = `${randomUUID()}:`;
  const total = rate * SECONDS;
  const now = () => performance.timeOrigin + performance.now();
  const startAt = now() + 500;
  const latencies: number[] = [];
  let registered = 0;
  const register = () => {
    const due = Math.min(total, Math.floor(((now() - startAt + AHEAD_MS) / 1_000) * rate));
    for (; registered < due; registered++) {
      void processor
        .waitForEvent({ operationContext: `${prefix}${registered}` }, { timeoutMs: 30_000 })
        .then((event) => latencies.push(now() - ((event as { sentAt?: number }).sentAt as number)));
    }
    if (registered < total) setTimeout(register, 1);
  };
  register();
  const { stdout } = await run(process.execPath, [
    join(__dirname, 'callback-sender.js'),
    url,
    String(rate),
    String(SECONDS),
    prefix,
    String(startAt),
  ]);
  const result = JSON.parse(stdout.trim().split('\n').pop() as string) as {
    total: number;
    failed: number;
  };
  if (result.failed > 0) throw new Error(`${result.failed} callbacks failed`);
  const deadline = Date.now() + 10_000;
  while (latencies.length < result.total && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (latencies.length < result.total)
    throw new Error(`only ${latencies.length} of ${result.total} waiters resolved`);
  return latencies.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const redis = await redisForBench();
  const keyPrefix = `bench:${randomUUID()}:`;
  const a = await startReplica({ redis: { url: redis.url, keyPrefix }, maxBacklogEvents: 100_000 });
  const b = fork(join(__dirname, 'replica.js'), [redis.url, keyPrefix], { stdio: 'inherit' });
  const bUrl = await new Promise<string>((resolve) =>
    b.once('message', (message: { url: string }) => resolve(message.url)),
  );
  const local = await startReplica({});
  const localUrl = (await local.getUrl()).replace('[::1]', '127.0.0.1');
  const setups = [
    {
      name: 'A → B through Redis',
      processor: a.get(EventProcessorService),
      url: `${bUrl}/api/callbacks`,
    },
    {
      name: 'one replica, in-process',
      processor: local.get(EventProcessorService),
      url: `${localUrl}/api/callbacks`,
    },
  ];
  for (const setup of setups) await measure(setup.processor, setup.url, 1_000); // warm-up
  const rows: Row[] = [];
  for (const rate of RATES) {
    for (const setup of setups) {
      const p50: number[] = [];
      const p99: number[] = [];
      for (let index = 0; index < RUNS; index++) {
        const latencies = await measure(setup.processor, setup.url, rate);
        p50.push(percentile(latencies, 50));
        p99.push(percentile(latencies, 99));
      }
      rows.push({
        'events/s': rate,
        path: setup.name,
        'p50 ms': round(median(p50)),
        'p99 ms': round(median(p99)),
      });
    }
  }
  b.send('stop');
  await new Promise((resolve) => b.once('exit', resolve));
  await a.close();
  await local.close();
  await redis.stop();
  const result: BenchmarkResult = {
    name: 'Cross-replica delivery',
    note: `Time from sending a callback (a sender process at a fixed rate, open loop, ${SECONDS} s per run, median of ${RUNS} runs) until the waiter resolves: on replica A for callbacks posted to replica B (A, B and the load in separate processes, sharing a Redis; Fastify; A registers each waiter 20 ms before its event is sent), and, side by side, within one replica without Redis. It includes B's HTTP handling. Goal: p99 < 5 ms through Redis.`,
    rows,
  };
  report(result);
}

void main();
