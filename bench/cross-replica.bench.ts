import 'reflect-metadata';
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CallAutomationModule, EventProcessorService } from 'nestjs-call-automation';
import {
  type BenchmarkResult,
  callbackEvent,
  median,
  percentile,
  type Row,
  report,
  round,
  sleep,
} from './harness';
import { redisForBench } from './redis-for-bench';

/**
 * 4. Cross-replica delivery: from the moment a callback is POSTed to replica B (its own
 * process) until the waiter on replica A (this process) resolves, through Redis, at 1k and 5k
 * events/s. Side by side, the same measure within one replica without Redis. Goal: p99 < 5 ms.
 */
const RATES = [1_000, 5_000];
const SECONDS = 4;
const RUNS = 3;

interface Target {
  post(body: string): Promise<number>;
}

function poster(base: string): Target {
  const url = new URL('/api/callbacks', base);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return {
    post: (body) =>
      new Promise((resolve, reject) => {
        const outgoing = request(
          url,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            },
          },
          (response) => {
            response.resume();
            response.once('end', () => resolve(response.statusCode ?? 0));
          },
        );
        outgoing.once('error', reject);
        outgoing.end(body);
      }),
  };
}

/** Open-loop load at `rate` events/s: each event gets a waiter on A before it is posted to B. */
async function measure(
  processor: EventProcessorService,
  target: Target,
  rate: number,
): Promise<number[]> {
  const latencies: number[] = [];
  const pending: Promise<unknown>[] = [];
  const total = rate * SECONDS;
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    for (; sent < due; sent++) {
      const operationContext = randomUUID();
      const at = performance.now();
      pending.push(
        processor
          .waitForEvent({ operationContext }, { timeoutMs: 10_000 })
          .then(() => latencies.push(performance.now() - at)),
      );
      const body = JSON.stringify([
        callbackEvent('PlayCompleted', `call-${sent % 1_000}`, { operationContext }),
      ]);
      pending.push(
        target.post(body).then((status) => {
          if (status !== 200) throw new Error(`webhook answered ${status}`);
        }),
      );
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(pending);
  return latencies.sort((a, b) => a - b);
}

async function startA(
  options: Parameters<typeof CallAutomationModule.forRoot>[0],
): Promise<INestApplication> {
  @Module({ imports: [CallAutomationModule.forRoot(options)] })
  class ReplicaModule {}
  const app = await NestFactory.create(ReplicaModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  return app;
}

async function main(): Promise<void> {
  const redis = await redisForBench();
  const keyPrefix = `bench:${randomUUID()}:`;
  const a = await startA({ redis: { url: redis.url, keyPrefix } });
  const b = fork(join(__dirname, 'replica.js'), [redis.url, keyPrefix], { stdio: 'inherit' });
  const bUrl = await new Promise<string>((resolve) =>
    b.once('message', (message: { url: string }) => resolve(message.url)),
  );
  const local = await startA({});
  const aUrl = (await local.getUrl()).replace('[::1]', '127.0.0.1');
  const setups = [
    { name: 'A → B through Redis', processor: a.get(EventProcessorService), target: poster(bUrl) },
    {
      name: 'one replica, in-process',
      processor: local.get(EventProcessorService),
      target: poster(aUrl),
    },
  ];
  for (const setup of setups) await measure(setup.processor, setup.target, 1_000); // warm-up
  const rows: Row[] = [];
  for (const rate of RATES) {
    for (const setup of setups) {
      const p50: number[] = [];
      const p99: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const latencies = await measure(setup.processor, setup.target, rate);
        p50.push(percentile(latencies, 50));
        p99.push(percentile(latencies, 99));
        await sleep(200);
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
    note: `Time from POSTing a callback (open-loop, ${SECONDS} s per run, median of ${RUNS} runs) until the waiter resolves: on replica A for a callback posted to replica B (separate processes sharing a Redis), and, side by side, within one replica without Redis. The latency includes B's HTTP handling. Goal: p99 < 5 ms through Redis.`,
    rows,
  };
  report(result);
}

void main();
