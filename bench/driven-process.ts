import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * A benchmark's child process (`node <script>` from this folder), driven one command per line on
 * its standard input and answering one JSON line each. A reply with an `error` field throws it.
 */
export class DrivenProcess {
  private readonly child: ChildProcess;
  private readonly replies: AsyncIterator<string>;

  constructor(
    private readonly script: string,
    args: string[],
    nodeOptions: string[] = [],
  ) {
    this.child = spawn(process.execPath, [...nodeOptions, join(__dirname, script), ...args], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.replies = createInterface({ input: this.child.stdout as NodeJS.ReadableStream })[
      Symbol.asyncIterator
    ]();
  }

  async reply<T = Record<string, unknown>>(): Promise<T> {
    const next = await this.replies.next();
    if (next.done) throw new Error(`${this.script} exited early`);
    const value = JSON.parse(next.value) as { error?: unknown };
    if (value.error !== undefined) throw new Error(`${this.script}: ${String(value.error)}`);
    return value as T;
  }

  ask<T = Record<string, unknown>>(command: string): Promise<T> {
    this.child.stdin?.write(`${command}\n`);
    return this.reply<T>();
  }

  async close(): Promise<void> {
    this.child.stdin?.end();
    if (this.child.exitCode === null)
      await new Promise((resolve) => this.child.once('exit', resolve));
  }
}
