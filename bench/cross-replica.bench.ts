import 'reflect-metadata';
import { execFile, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type INestApplication, Module, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { CallAutomationModule, EventProcessorService } from 'nestjs-call-automation';
import { LocalRedisServer } from 'nestjs-call-automation/testing';
import { HandlerLatencies } from './handler-latency';
import { type BenchmarkResult, median, percentile, type Row, report, round } from './harness';
import { redisForBench } from './redis-for-bench';
import type { ReplicaRequest } from './replica';

/**
 * 4. Cross-replica delivery: from the moment a callback is sent to replica B until, through
 * Redis,
 * - the waiter on replica A resolves (the waiter path): each event carries the time it was
 *   sent, and A registers each event's waiter (keyed by operationContext) 20 ms before it is
 *   sent, on a schedule both share;
 * - an @OnCallEvent handler starts on whichever replica (A or B) took the event's stream entry
 *   from the consumer group (the handler path);
 * each without and with `waitForReplicas: 1` (a Redis primary with one replica), at 1k and 5k
 * events/s. A, B and the load generator are separate processes. Side by side, the baseline:
 * the waiter path within one replica without Redis (callbacks posted to A itself).
 * Goal: p99 < 5 ms through Redis.
 */
const RATES = [1_000, 5_000];
const SECONDS = 4;
const RUNS = 3;
/** A waiter is registered this long before its event is sent. */
const AHEAD_MS = 20;
const run = promisify(execFile);
const now = () => performance.timeOrigin + performance.now();

async function startReplica(
  options: Parameters<typeof CallAutomationModule.forRoot>[0],
  providers: Provider[] = [],
): Promise<INestApplication> {
  @Module({ imports: [CallAutomationModule.forRoot(options)], providers })
  class ReplicaModule {}
  const app = await NestFactory.create(ReplicaModule, new FastifyAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  return app;
}

/** Replica B in a process of its own; `take` asks it for its handlers' latencies. */
async function forkReplica(
  redisUrl: string,
  keyPrefix: string,
  waitForReplicas: number,
  handlers: boolean,
): Promise<{ url: string; take(prefix: string): Promise<number[]>; stop(): Promise<void> }> {
  const child = fork(
    join(__dirname, 'replica.js'),
    [redisUrl, keyPrefix, String(waitForReplicas), handlers ? '1' : '0'],
    { stdio: 'inherit' },
  );
  const url = await new Promise<string>((resolve) =>
    child.once('message', (message: { url: string }) => resolve(message.url)),
  );
  return {
    url,
    take: (prefix) =>
      new Promise((resolve) => {
        child.once('message', (message: { latencies: number[] }) => resolve(message.latencies));
        child.send({ take: prefix } satisfies ReplicaRequest);
      }),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ stop: true } satisfies ReplicaRequest);
      await exited;
    },
  };
}

/** Sends `rate` callbacks/s for SECONDS to `url`, from a process of its own. */
async function sendLoad(url: string, rate: number, prefix: string, startAt: number) {
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
  return result.total;
}

/**
 * The waiter path: runs the load against `url` while A registers a waiter for each event
 * shortly before it is sent (as an app registers an operation's waiter just before its
 * request), on the schedule both processes share.
 */
async function measureWaiters(
  processor: EventProcessorService,
  url: string,
  rate: number,
): Promise<number[]> {
  const prefix = `${randomUUID()}:`;
  const total = rate * SECONDS;
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
  const sent = await sendLoad(url, rate, prefix, startAt);
  const deadline = Date.now() + 10_000;
  while (latencies.length < sent && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (latencies.length < sent)
    throw new Error(`only ${latencies.length} of ${sent} waiters resolved`);
  return latencies.sort((a, b) => a - b);
}

/**
 * The handler path: runs the load against B's `url`; the handler starts on A or B, whichever
 * took the entry from the consumer group; both note the latency, collected here.
 */
async function measureHandlers(
  a: HandlerLatencies,
  b: { take(prefix: string): Promise<number[]> },
  url: string,
  rate: number,
): Promise<number[]> {
  const prefix = `${randomUUID()}:`;
  const sent = await sendLoad(url, rate, prefix, now() + 500);
  const latencies: number[] = [];
  const deadline = Date.now() + 10_000;
  while (latencies.length < sent && Date.now() < deadline) {
    latencies.push(...a.take(prefix), ...(await b.take(prefix)));
    if (latencies.length < sent) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (latencies.length !== sent)
    throw new Error(`${latencies.length} handler runs for ${sent} events`);
  return latencies.sort((a, b) => a - b);
}

/** A Redis primary with one replica in sync, for `waitForReplicas: 1`. */
async function primaryWithReplica(): Promise<{ url: string; stop(): Promise<void> }> {
  const primary = await LocalRedisServer.start();
  const replica = await LocalRedisServer.start({
    args: ['--replicaof', '127.0.0.1', String(primary.port)],
  });
  const admin = new Redis(primary.url, { protocol: 2 });
  const deadline = Date.now() + 15_000;
  while (!/slave0:.*state=online/.test(await admin.info('replication'))) {
    if (Date.now() > deadline) throw new Error('the Redis replica did not come in sync in 15 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  admin.disconnect();
  return {
    url: primary.url,
    stop: async () => {
      await replica.stop();
      await primary.stop();
    },
  };
}

interface Setup {
  name: string;
  measure(rate: number): Promise<number[]>;
}

async function main(): Promise<void> {
  // Shared machines: the load says how far the figures can be trusted.
  const loadBefore = loadavg()[0] as number;
  const redis = await redisForBench();
  const replicated = await primaryWithReplica();
  const apps: INestApplication[] = [];
  const forks: { stop(): Promise<void> }[] = [];
  const setups: Setup[] = [];
  for (const [redisUrl, waitForReplicas] of [
    [redis.url, 0],
    [replicated.url, 1],
  ] as const) {
    const label = waitForReplicas === 0 ? '' : ', waitForReplicas: 1';
    // The waiter path: A and B without handlers (as the benchmark always measured it).
    const waitPrefix = `bench:${randomUUID()}:`;
    const a = await startReplica({
      redis: { url: redisUrl, keyPrefix: waitPrefix, waitForReplicas },
      maxBacklogEvents: 100_000,
    });
    const b = await forkReplica(redisUrl, waitPrefix, waitForReplicas, false);
    apps.push(a);
    forks.push(b);
    setups.push({
      name: `waiter: B → A through Redis${label}`,
      measure: (rate) =>
        measureWaiters(a.get(EventProcessorService), `${b.url}/api/callbacks`, rate),
    });
    // The handler path: A and B with the handler, on a key prefix of their own.
    const handlerPrefix = `bench:${randomUUID()}:`;
    const ah = await startReplica(
      { redis: { url: redisUrl, keyPrefix: handlerPrefix, waitForReplicas } },
      [HandlerLatencies],
    );
    const bh = await forkReplica(redisUrl, handlerPrefix, waitForReplicas, true);
    apps.push(ah);
    forks.push(bh);
    setups.push({
      name: `handler: B → consumer group (A or B)${label}`,
      measure: (rate) =>
        measureHandlers(ah.get(HandlerLatencies), bh, `${bh.url}/api/callbacks`, rate),
    });
  }
  const local = await startReplica({});
  apps.push(local);
  const localUrl = (await local.getUrl()).replace('[::1]', '127.0.0.1');
  setups.push({
    name: 'baseline: waiter, one replica, in-process',
    measure: (rate) =>
      measureWaiters(local.get(EventProcessorService), `${localUrl}/api/callbacks`, rate),
  });

  for (const setup of setups) await setup.measure(1_000); // warm-up
  const rows: Row[] = [];
  for (const rate of RATES) {
    const p50 = setups.map((): number[] => []);
    const p99 = setups.map((): number[] => []);
    // Runs interleaved, so that the machine's moods spread over every setup.
    for (let index = 0; index < RUNS; index++) {
      for (const [position, setup] of setups.entries()) {
        const latencies = await setup.measure(rate);
        p50[position]?.push(percentile(latencies, 50));
        p99[position]?.push(percentile(latencies, 99));
      }
    }
    for (const [position, setup] of setups.entries()) {
      rows.push({
        'events/s': rate,
        path: setup.name,
        'p50 ms': round(median(p50[position] as number[])),
        'p99 ms': round(median(p99[position] as number[])),
      });
    }
  }
  await Promise.all(forks.map((b) => b.stop()));
  for (const app of apps) await app.close();
  await redis.stop();
  await replicated.stop();
  const result: BenchmarkResult = {
    name: 'Cross-replica delivery',
    note: `Time from sending a callback to replica B (a sender process at a fixed rate, open loop, ${SECONDS} s per run, median of ${RUNS} interleaved runs) until the waiter on replica A resolves (waiter path; A registers each waiter 20 ms before its event is sent), or until an @OnCallEvent handler starts on the replica that took the event from the consumer group (handler path); without, and with waitForReplicas: 1 (a Redis primary and one replica). A, B and the load in separate processes (Fastify). Baseline: the waiter path within one replica without Redis. It includes B's HTTP handling. Goal: p99 < 5 ms through Redis. Load average (1 min) ${loadBefore.toFixed(1)} before, ${(loadavg()[0] as number).toFixed(1)} after.`,
    rows,
  };
  report(result);
}

void main();
