import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callgrindArgs, control, hasValgrind, instructionsIn } from './callgrind';
import { type BenchmarkResult, callbackEvent, type Row, report, round } from './harness';
import { type OtelSdkMode, otelSdkModes } from './otel-sdk';
import type { Adapter, ModuleOptions } from './webhook-app';

/**
 * 2b. The webhook path in instructions: the CPU instructions the server executes per request
 * (valgrind's callgrind counts them, whatever else the machine does), POST /api/callbacks
 * against the bare route of the same app. Requests go one at a time from this process; the
 * server runs under valgrind with counting switched on only for the measured windows. Each
 * route is measured in a server of its own, averaged over several windows, so that the garbage
 * collections and recompilations it causes are counted, and counted against it.
 */
const WARM_UP = Number(process.env.WARM_UP ?? 20_000);
const WINDOW = 5_000;
const WINDOWS = Number(process.env.WINDOWS ?? 3);

/** Sends `count` 1-event callbacks one after another on one keep-alive connection. */
async function send(url: string, count: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let index = 0; index < count; index++) {
      const body = JSON.stringify([callbackEvent('PlayStarted', `call-${index % 5_000}`)]);
      await new Promise<void>((resolve, reject) => {
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
          (incoming) => {
            incoming.resume();
            incoming.once('end', () =>
              incoming.statusCode === 200
                ? resolve()
                : reject(new Error(`${url} answered ${incoming.statusCode}`)),
            );
          },
        );
        outgoing.once('error', reject);
        outgoing.end(body);
      });
    }
  } finally {
    agent.destroy();
  }
}

async function startServer(
  adapter: Adapter,
  options: ModuleOptions,
  outFile: string,
  sdk: OtelSdkMode,
): Promise<{ server: ChildProcess; base: string }> {
  const server = spawn(
    'valgrind',
    [
      ...callgrindArgs(outFile),
      process.execPath,
      join(__dirname, 'webhook-server.js'),
      adapter,
      JSON.stringify(options),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, OTEL_SDK: sdk } },
  );
  const base = await new Promise<string>((resolve, reject) => {
    let output = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((entry) => entry.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { base: string }).base);
    });
    server.stderr?.resume();
    server.once('exit', (code) => reject(new Error(`the server under valgrind exited (${code})`)));
  });
  return { server, base };
}

/**
 * Instructions per request of one route, in a server of its own: garbage that one route leaves
 * is collected on its own count, never during the other route's window.
 */
async function measureRoute(
  adapter: Adapter,
  route: string,
  options: ModuleOptions = {},
  sdk: OtelSdkMode = 'off',
): Promise<number[]> {
  const directory = mkdtempSync(join(tmpdir(), 'webhook-instructions-'));
  const { server, base } = await startServer(
    adapter,
    options,
    join(directory, 'callgrind.out'),
    sdk,
  );
  const pid = server.pid as number;
  try {
    await send(`${base}/${route}`, WARM_UP);
    await control(pid, '--instr=on');
    // The first window after switching counting on is far above the rest (about 2×) on both
    // routes alike: it is left out.
    await send(`${base}/${route}`, WINDOW);
    for (let window = 0; window < WINDOWS; window++) {
      await control(pid, '--zero');
      await send(`${base}/${route}`, WINDOW);
      await control(pid, `--dump=window-${window}`);
    }
    const dumps = readdirSync(directory).filter((name) => /^callgrind\.out\.\d+$/.test(name));
    if (dumps.length !== WINDOWS) {
      throw new Error(`expected ${WINDOWS} callgrind dumps, found ${dumps.length}`);
    }
    return dumps.map((name) => instructionsIn(join(directory, name)) / WINDOW);
  } finally {
    server.stdin?.end();
    await new Promise((resolve) => server.once('exit', resolve));
    rmSync(directory, { recursive: true, force: true });
  }
}

async function measure(adapter: Adapter, modes: OtelSdkMode[]): Promise<Row[]> {
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const describe = (values: number[]) =>
    `${Math.round(mean(values) / 1000)}k (${values.map((value) => Math.round(value / 1000)).join(', ')})`;
  const rows: Row[] = [];
  // Each route without the SDK: the baseline of the "no SDK / this" column.
  const withoutSdk = new Map<string, number>();
  for (const sdk of modes) {
    const bare = await measureRoute(adapter, 'bare', {}, sdk);
    const row = (route: string, values: number[]): Row => {
      if (sdk === 'off') withoutSdk.set(route, mean(values));
      const baseline = withoutSdk.get(route);
      return {
        adapter,
        ...(modes.length > 1 || sdk === 'on' ? { 'OTel SDK': sdk } : {}),
        route,
        'instructions/request (per window)': describe(values),
        'bare / route': round(mean(bare) / mean(values)),
        ...(modes.length > 1
          ? { 'no SDK / this': baseline === undefined ? '-' : round(baseline / mean(values)) }
          : {}),
      };
    };
    rows.push(row('bare', bare));
    rows.push(row('webhook', await measureRoute(adapter, 'api/callbacks', {}, sdk)));
    // Where the rest goes: the same webhook without the backlog of unclaimed events.
    if (modes.length === 1) {
      const noBacklog = await measureRoute(adapter, 'api/callbacks', { backlogTtlMs: 0 }, sdk);
      rows.push(row('webhook, backlogTtlMs: 0', noBacklog));
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  if (!(await hasValgrind())) {
    rows.push({
      adapter: '-',
      result: 'skipped: valgrind is not installed (apt-get install valgrind)',
    });
  } else {
    // Fastify only by default: it is where the webhook's share shows (Express's bare route
    // costs about 6× more, and under valgrind takes minutes). ADAPTERS=express,fastify for both.
    const adapters = (process.env.ADAPTERS ?? 'fastify').split(',') as Adapter[];
    for (const adapter of adapters) rows.push(...(await measure(adapter, otelSdkModes())));
  }
  const result: BenchmarkResult = {
    name: 'Webhook path in instructions',
    note: `CPU instructions the server executes per request (valgrind --tool=callgrind; repeatable where timings are not), POST /api/callbacks vs the bare route of the same app, 1-event callbacks sent one at a time; each route in a server of its own (so the garbage one route leaves is never collected on the other's count), ${WARM_UP} warm-up requests, one window left out after counting is switched on, then ${WINDOWS} windows of ${WINDOW} requests averaged (each window in brackets: one that holds a major garbage collection costs more). "bare / route" is the share of the bare route's throughput a route would reach on a CPU-bound server. The last row turns the backlog off, to show what keeping unclaimed events costs. Goal: webhook >= 0.85. OTEL_SDK=on registers the real OpenTelemetry SDK (tracer provider with a batch processor and a dropping exporter, meter provider, AsyncLocalStorage context) in the server; OTEL_SDK=both measures bare and webhook with and without it, "no SDK / this" being the share of the no-SDK throughput kept with it.`,
    rows,
  };
  report(result);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
