import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchmarkResult, machine, toMarkdown, writeJson } from './harness';

/**
 * `npm run bench [names...]`: runs each benchmark in a fresh process (node --expose-gc),
 * prints its table, and writes its result to bench/results.json, keeping the results of the
 * benchmarks not run this time (so `npm run bench media` replaces only the media table).
 * Without names, the ones in ALL; `dispatch-instructions` (slow under valgrind) runs only when
 * named.
 */
const ALL = [
  'dispatch',
  'parse',
  'webhook',
  'webhook-instructions',
  'cross-replica',
  'memory',
  'media',
];
const ON_REQUEST = ['dispatch-instructions'];

function runOne(name: string): Promise<BenchmarkResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', join(__dirname, `${name}.bench.js`)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let result: BenchmarkResult | undefined;
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('@@result '))
          result = JSON.parse(line.slice('@@result '.length)) as BenchmarkResult;
        else console.log(line);
      }
    });
    child.on('exit', (code) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`benchmark ${name} exited with ${code}`));
    });
  });
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names =
    wanted.length > 0 ? [...ALL, ...ON_REQUEST].filter((name) => wanted.includes(name)) : ALL;
  console.log(`Benchmarks on ${machine()}`);
  const results: BenchmarkResult[] = [];
  for (const name of names) results.push(await runOne(name));
  // A run of some benchmarks replaces their results and keeps the others' (with their date).
  const path = join(__dirname, '..', 'results.json');
  const earlier = readEarlier(path);
  const date = new Date().toISOString();
  const dated = results.map((result) => ({ ...result, date }));
  writeJson(path, {
    machine: machine(),
    date,
    results: [
      ...earlier.results
        .filter((old) => !results.some((result) => result.name === old.name))
        .map((old) => ({ ...old, date: old.date ?? earlier.date })),
      ...dated,
    ].sort((x, y) => order(earlier.results, x.name) - order(earlier.results, y.name)),
  });
  console.log('\n## Summary\n');
  for (const result of results) console.log(`### ${result.name}\n\n${toMarkdown(result.rows)}\n`);
}

interface StoredResults {
  date?: string;
  results: (BenchmarkResult & { date?: string })[];
}

function readEarlier(path: string): StoredResults {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StoredResults;
  } catch {
    return { results: [] };
  }
}

/** Where a result stood in the file before (new ones last). */
function order(results: readonly BenchmarkResult[], name: string): number {
  const index = results.findIndex((result) => result.name === name);
  return index === -1 ? results.length : index;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
