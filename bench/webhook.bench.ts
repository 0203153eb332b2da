import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BenchmarkResult, median, type Row, report, round } from './harness';
import { startWebhookApp } from './webhook-app';

/**
 * 2. The webhook path: POST /api/callbacks (1-event batches) against a bare Nest POST route in
 * the same app that takes the same JSON body and answers 200, on Express and on Fastify.
 * The load comes from autocannon in a separate process on loopback. Goal: >= 85% of the bare
 * route's throughput.
 */
const RUNS = 7;
const SECONDS = 3;
const CONNECTIONS = 10;
const run = promisify(execFile);

interface Load {
  requestsPerSecond: number;
  total: number;
  p50: number;
  p99: number;
  failed: number;
  /** CPU time the server (this process) spent per request, in µs. */
  cpuPerRequest: number;
}

async function load(url: string): Promise<Load> {
  const before = process.cpuUsage();
  const { stdout } = await run(process.execPath, [
    join(__dirname, 'load-generator.js'),
    url,
    String(SECONDS),
    String(CONNECTIONS),
  ]);
  const cpu = process.cpuUsage(before);
  const result = JSON.parse(stdout.trim().split('\n').pop() as string) as Omit<
    Load,
    'cpuPerRequest'
  >;
  if (result.failed > 0) throw new Error(`${result.failed} requests to ${url} failed`);
  return { ...result, cpuPerRequest: (cpu.user + cpu.system) / result.total };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const adapter of ['express', 'fastify'] as const) {
    const { app, base } = await startWebhookApp(adapter);
    await load(`${base}/bare`); // warm-up, both routes
    await load(`${base}/api/callbacks`);
    const bare: Load[] = [];
    const webhook: Load[] = [];
    for (let index = 0; index < RUNS; index++) {
      // Alternate, so that drift in the machine's load hits both alike.
      bare.push(await load(`${base}/bare`));
      webhook.push(await load(`${base}/api/callbacks`));
    }
    await app.close();
    const summary = (loads: Load[]) => ({
      rps: median(loads.map((entry) => entry.requestsPerSecond)),
      p50: median(loads.map((entry) => entry.p50)),
      p99: median(loads.map((entry) => entry.p99)),
    });
    const b = summary(bare);
    const w = summary(webhook);
    // Each webhook run is compared with the bare run just before it: drift in the machine's
    // speed between runs cancels out.
    const pairedRatio = median(
      webhook.map(
        (entry, index) => entry.requestsPerSecond / (bare[index] as Load).requestsPerSecond,
      ),
    );
    const cpuBare = median(bare.map((entry) => entry.cpuPerRequest));
    const cpuWebhook = median(webhook.map((entry) => entry.cpuPerRequest));
    rows.push({
      adapter,
      'bare req/s': Math.round(b.rps),
      'webhook req/s': Math.round(w.rps),
      'webhook / bare': round(pairedRatio),
      'bare p50/p99 ms': `${b.p50}/${b.p99}`,
      'webhook p50/p99 ms': `${w.p50}/${w.p99}`,
      'server CPU µs/request bare / webhook': `${Math.round(cpuBare)} / ${Math.round(cpuWebhook)}`,
    });
  }
  const result: BenchmarkResult = {
    name: 'Webhook path',
    note: `Requests/s and latency of POST /api/callbacks (1-event batches, a fresh CloudEvent id each) against a bare POST route of the same app taking the same body; autocannon in a separate process, ${CONNECTIONS} connections, ${RUNS} alternating ${SECONDS} s runs: req/s and latencies are medians, webhook / bare the median of the ratios of adjacent runs, and the server's CPU time per request is measured in-process. Goal: webhook / bare >= 0.85.`,
    rows,
  };
  report(result);
}

void main();
