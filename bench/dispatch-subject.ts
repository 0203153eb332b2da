import { createInterface } from 'node:readline';
import { type EventStream, FreshBodies, ours, reference, type Subject } from './dispatch-subjects';
import { registerOtelSdkIfAsked } from './otel-sdk';

/**
 * One subject of the dispatch benchmarks in a process of its own, so that its heap (its pending
 * waiters above all) is the only one its garbage collector walks. Arguments: `ours` or
 * `reference`, pending waiters, batch size, and the events' stream (`other-kind`, the default,
 * or `same-operation`: see EventStream). Prints `{"ready":true}` once its waiters are
 * pending, then answers one JSON line per command read from standard input:
 * - `run <ms>`: processes fresh bodies for about `ms` → `{"events", "ms", "cpuMs"}`: events
 *   processed, wall-clock time, and CPU time (user + system of all the process's threads, the
 *   garbage collector's included);
 * - `events <n>`: processes `n` events (n / batch bodies) → `{"done": n}`;
 * - `check` → `{"ok":true}`, or `{"error": "..."}` when waiters were settled or events dropped.
 * Closes when standard input ends. With OTEL_SDK=on, the OpenTelemetry SDK is registered first.
 */
async function main(): Promise<void> {
  registerOtelSdkIfAsked();
  const [implementation, pendingArg, batchArg, streamArg] = process.argv.slice(2);
  const pending = Number(pendingArg);
  const batch = Number(batchArg);
  const subject: Subject =
    implementation === 'reference' ? reference(pending) : await ours(pending);
  const bodies = new FreshBodies(batch, 4_000, (streamArg ?? 'other-kind') as EventStream);
  const answer = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  answer({ ready: true });
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, argument] = line.split(' ');
    if (command === 'run') {
      const duration = Number(argument);
      let events = 0;
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      let ms = 0;
      while (ms < duration) {
        events += await subject.process(bodies.take());
        ms = performance.now() - started;
      }
      const cpu = process.cpuUsage(cpuBefore);
      answer({ events, ms, cpuMs: (cpu.user + cpu.system) / 1000 });
    } else if (command === 'events') {
      const count = Number(argument);
      for (let done = 0; done < count; ) done += await subject.process(bodies.take());
      answer({ done: count });
    } else if (command === 'check') {
      try {
        subject.check();
        answer({ ok: true });
      } catch (error) {
        answer({ error: (error as Error).message });
      }
    }
  }
  await subject.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
