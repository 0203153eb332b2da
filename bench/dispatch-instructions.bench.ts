import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { callgrindArgs, control, hasValgrind, instructionsIn } from './callgrind';
import { type BenchmarkResult, type Row, report, round } from './harness';
import { type OtelSdkMode, otelSdkModes } from './otel-sdk';

/**
 * 1b. Dispatch in instructions: the CPU instructions `processEvents` costs per event with 0 and
 * 100k pending waiters (valgrind's callgrind counts them whatever else the machine does), each
 * subject in a process of its own, so that its garbage collector walks its own heap only (the
 * collector's threads are counted too). The same fresh-id events as the dispatch benchmark.
 * The reference is left out: at 100k pending it handles about 60 events/s natively.
 */
const PENDING = (process.env.PENDING ?? '0,100000').split(',').map(Number);
const BATCHES = (process.env.BATCHES ?? '1,20').split(',').map(Number);
const WARM_UP = Number(process.env.WARM_UP ?? 30_000);
const WINDOW = Number(process.env.WINDOW ?? 10_000);
const WINDOWS = Number(process.env.WINDOWS ?? 3);

/** Instructions per event of each window, for one subject under callgrind. */
async function measure(pending: number, batch: number, sdk: OtelSdkMode): Promise<number[]> {
  const directory = mkdtempSync(join(tmpdir(), 'dispatch-instructions-'));
  const child = spawn(
    'valgrind',
    [
      ...callgrindArgs(join(directory, 'callgrind.out')),
      process.execPath,
      join(__dirname, 'dispatch-subject.js'),
      'ours',
      String(pending),
      String(batch),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, OTEL_SDK: sdk } },
  );
  child.stderr?.resume();
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[
    Symbol.asyncIterator
  ]();
  const reply = async (): Promise<Record<string, unknown>> => {
    const next = await lines.next();
    if (next.done) throw new Error('the subject under valgrind exited early');
    return JSON.parse(next.value) as Record<string, unknown>;
  };
  const ask = (command: string) => {
    child.stdin?.write(`${command}\n`);
    return reply();
  };
  const pid = child.pid as number;
  try {
    await reply(); // ready
    await ask(`events ${WARM_UP}`);
    await control(pid, '--instr=on');
    // The first window after counting is switched on costs far more than the rest: left out.
    await ask(`events ${WINDOW}`);
    for (let window = 0; window < WINDOWS; window++) {
      await control(pid, '--zero');
      await ask(`events ${WINDOW}`);
      await control(pid, `--dump=window-${window}`);
    }
    const checked = await ask('check');
    if (checked.error) throw new Error(String(checked.error));
    const dumps = readdirSync(directory).filter((name) => /^callgrind\.out\.\d+$/.test(name));
    if (dumps.length !== WINDOWS) {
      throw new Error(`expected ${WINDOWS} callgrind dumps, found ${dumps.length}`);
    }
    return dumps.map((name) => instructionsIn(join(directory, name)) / WINDOW);
  } finally {
    child.stdin?.end();
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(directory, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  if (!(await hasValgrind())) {
    rows.push({
      batch: '-',
      result: 'skipped: valgrind is not installed (apt-get install valgrind)',
    });
  } else {
    const mean = (values: number[]) =>
      values.reduce((sum, value) => sum + value, 0) / values.length;
    const modes = otelSdkModes();
    for (const batch of BATCHES) {
      // Without the SDK, per pending count: the baseline of the "no SDK / this" column.
      const withoutSdk = new Map<number, number>();
      for (const sdk of modes) {
        let none = 0;
        for (const pending of PENDING) {
          const values = await measure(pending, batch, sdk);
          if (pending === PENDING[0]) none = mean(values);
          if (sdk === 'off') withoutSdk.set(pending, mean(values));
          const baseline = withoutSdk.get(pending);
          rows.push({
            batch,
            ...(modes.length > 1 || sdk === 'on' ? { 'OTel SDK': sdk } : {}),
            'pending waiters': pending,
            'instructions/event (per window)': `${round(mean(values) / 1000, 1)}k (${values.map((value) => round(value / 1000, 1)).join(', ')})`,
            [`${PENDING[0]} pending / this`]: round(none / mean(values)),
            ...(modes.length > 1
              ? { 'no SDK / this': baseline === undefined ? '-' : round(baseline / mean(values)) }
              : {}),
          });
        }
      }
    }
  }
  const result: BenchmarkResult = {
    name: 'Dispatch in instructions',
    note: `CPU instructions per event of processEvents (valgrind --tool=callgrind, all threads, so the garbage collector's work is counted), events with fresh ids hitting calls that have waiters, each subject in a process of its own: ${WARM_UP} warm-up events, one window left out, then ${WINDOWS} windows of ${WINDOW} events. "0 pending / this" is the share of the 0-pending throughput a CPU-bound process would reach. Goal: >= 0.8 at 100k pending. OTEL_SDK=on registers the real OpenTelemetry SDK (tracer provider with a batch processor and a dropping exporter, meter provider, AsyncLocalStorage context) in each subject; OTEL_SDK=both measures with and without it, "no SDK / this" being the share of the no-SDK throughput kept with it.`,
    rows,
  };
  report(result);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
