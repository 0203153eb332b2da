import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** One row of a benchmark table. */
export type Row = Record<string, string | number>;

export interface BenchmarkResult {
  name: string;
  /** What the numbers mean and the goal they are held to. */
  note: string;
  rows: Row[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** A minimal ACS callback CloudEvent (the shape ACS posts). */
export function callbackEvent(
  kind: string,
  callConnectionId: string,
  extra: Record<string, unknown> = {},
) {
  return {
    id: randomUUID(),
    source: `calling/callConnections/${callConnectionId}`,
    type: `Microsoft.Communication.${kind}`,
    specversion: '1.0',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      callConnectionId,
      serverCallId: 'server-call-id',
      correlationId: 'correlation-id',
      operationContext: 'op',
      resultInformation: { code: 200, subCode: 0, message: 'ok' },
      ...extra,
    },
  };
}

/** Runs `work` repeatedly for about `ms` and returns operations per second. */
export async function throughput(
  ms: number,
  work: () => Promise<number> | number,
): Promise<number> {
  let operations = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    operations += await work();
    elapsed = performance.now() - started;
  }
  return (operations / elapsed) * 1000;
}

export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu.trim()}, Node ${process.version}`;
}

export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('Run benchmarks with node --expose-gc (npm run bench does).');
  collect();
  collect();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Prints a result as a Markdown table, and hands it to the runner on the last line. */
export function report(result: BenchmarkResult): void {
  console.log(`\n### ${result.name}\n\n${result.note}\n`);
  console.log(toMarkdown(result.rows));
  console.log(`\n@@result ${JSON.stringify(result)}`);
}

export function toMarkdown(rows: readonly Row[]): string {
  if (rows.length === 0) return '(no rows)';
  const columns = Object.keys(rows[0] as Row);
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [
    line(columns),
    line(columns.map(() => '---')),
    ...rows.map((row) => line(columns.map((c) => row[c] ?? ''))),
  ].join('\n');
}

export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
