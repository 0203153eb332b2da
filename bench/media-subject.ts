import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  CallAutomationModule,
  type MediaStreamSession,
  OnMediaStream,
} from 'nestjs-call-automation';
import { WebSocketServer } from 'ws';

/**
 * One server of the media benchmark in a process of its own (its CPU time and heap are its own).
 * Argument: `library` (a Nest app with the module's media route, an `audio()` consumer per
 * session), `stalled` (the same route, sessions nobody reads) or `bare` (a `ws` server on a
 * plain HTTP server doing the same JSON parse per message). Prints `{"url"}` once listening,
 * then one JSON line per command read from standard input:
 * - `mark` → zeroes the counters, starts the CPU and wall clocks;
 * - `read` → `{"frames", "ms", "cpuMs", "p50", "p99", "sessions", "dropped"}` since `mark`
 *   (delays in ms: consumer's clock minus the frame's `timestamp`, so ms resolution);
 * - `memory` → `{"bytes"}`: heap used + external (ws buffers) after a full garbage collection.
 * Closes when standard input ends.
 */
type Mode = 'library' | 'stalled' | 'bare';

class Counters {
  frames = 0;
  delays: number[] = [];
  /** Open sessions (library) or sockets (bare). */
  sessions = new Set<{ droppedFrames: number } | object>();

  frame(timestamp: unknown): void {
    this.frames++;
    this.delays.push(Date.now() - Date.parse(String(timestamp)));
  }

  dropped(): number {
    let total = 0;
    for (const session of this.sessions)
      total += (session as { droppedFrames?: number }).droppedFrames ?? 0;
    return total;
  }
}

const counters = new Counters();

/** The app's side: each session's audio read as a voice agent would, one frame at a time. */
@Injectable()
class AudioConsumer {
  @OnMediaStream()
  async consume(session: MediaStreamSession): Promise<void> {
    counters.sessions.add(session);
    void session.closed.then(() => counters.sessions.delete(session));
    for await (const frame of session.audio()) counters.frame(frame.timestamp);
  }
}

/** A consumer that never reads: the session's inbound bound is all that holds its memory. */
@Injectable()
class StalledConsumer {
  @OnMediaStream()
  stall(session: MediaStreamSession): void {
    counters.sessions.add(session);
    void session.closed.then(() => counters.sessions.delete(session));
  }
}

async function startLibrary(consumer: typeof AudioConsumer | typeof StalledConsumer) {
  @Module({
    imports: [CallAutomationModule.forRoot({ mediaStreaming: {} })],
    providers: [consumer],
  })
  class BenchModule {}
  const app = await NestFactory.create(BenchModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  return `${(await app.getUrl()).replace(/^http/, 'ws').replace('[::1]', '127.0.0.1')}/api/media`;
}

async function startBare(): Promise<string> {
  const server = createServer();
  const wss = new WebSocketServer({ server, path: '/api/media' });
  wss.on('connection', (socket) => {
    const session = {};
    counters.sessions.add(session);
    socket.on('close', () => counters.sessions.delete(session));
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = JSON.parse(data.toString()) as {
        kind?: string;
        audioData?: { timestamp?: string };
      };
      if (message.kind === 'AudioData') counters.frame(message.audioData?.timestamp);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/media`;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('Run the media subject with node --expose-gc.');
  gc();
  gc();
}

async function main(): Promise<void> {
  const mode = process.argv[2] as Mode;
  const url =
    mode === 'bare'
      ? await startBare()
      : await startLibrary(mode === 'stalled' ? StalledConsumer : AudioConsumer);
  const answer = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  answer({ url });
  let cpuMark = process.cpuUsage();
  let wallMark = performance.now();
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'mark') {
      counters.frames = 0;
      counters.delays = [];
      cpuMark = process.cpuUsage();
      wallMark = performance.now();
      answer({ ok: true });
    } else if (line === 'read') {
      const cpu = process.cpuUsage(cpuMark);
      const ms = performance.now() - wallMark;
      const sorted = counters.delays.sort((a, b) => a - b);
      answer({
        frames: counters.frames,
        ms,
        cpuMs: (cpu.user + cpu.system) / 1000,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        sessions: counters.sessions.size,
        dropped: counters.dropped(),
      });
    } else if (line === 'memory') {
      collect();
      const memory = process.memoryUsage();
      answer({ bytes: memory.heapUsed + memory.external });
    }
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
