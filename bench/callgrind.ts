import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

/** Helpers of the instruction-count benchmarks (valgrind's callgrind). */
const run = promisify(execFile);

export function hasValgrind(): Promise<boolean> {
  return run('valgrind', ['--version']).then(
    () => true,
    () => false,
  );
}

/**
 * Arguments to run `node` under callgrind with counting off until `--instr=on`. V8 writes and
 * rewrites machine code at run time, hence `--smc-check`.
 */
export function callgrindArgs(outFile: string): string[] {
  return [
    '--tool=callgrind',
    '--instr-atstart=no',
    '--smc-check=all-non-file',
    `--callgrind-out-file=${outFile}`,
  ];
}

/** Sends a command (`--instr=on`, `--zero`, `--dump=name`) to the callgrind run of `pid`. */
export function control(pid: number, ...args: string[]): Promise<unknown> {
  return run('callgrind_control', [...args, String(pid)]);
}

/** Instructions counted in a dump file (its `summary:` line). */
export function instructionsIn(file: string): number {
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('summary:') || entry.startsWith('totals:'));
  if (!line) throw new Error(`no instruction count in ${file}`);
  return Number(line.split(/\s+/)[1]);
}
