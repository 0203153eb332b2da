import { DrivenProcess } from './driven-process';
import { type BenchmarkResult, median, type Row, report, round } from './harness';

/**
 * Media streaming: N concurrent ACS media WebSockets × 50 AudioData frames/s (16 kHz mono,
 * 20 ms, 640 bytes of PCM in base64) from a load generator process into (a) the library's
 * media route on a Nest app with an `audio()` consumer per session and (b) a bare `ws` server
 * doing the same JSON parse per message. Each server and the generator run in processes of
 * their own (media-subject.ts, media-load.ts); rounds alternate the two servers, so that drift
 * in a busy machine's speed hits both. Last, a stalled consumer: sessions nobody reads, whose
 * memory must stay bounded (the inbound ring drops the oldest frames and counts them).
 */
const SESSIONS = (process.env.SESSIONS ?? '100,500').split(',').map(Number);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const WARM_MS = 1_000;
const MEASURE_MS = Number(process.env.MEASURE_MS ?? 3_000);
const STALL_SESSIONS = 100;
const STALL_MS = Number(process.env.STALL_MS ?? 12_000);

type Subject = 'library' | 'bare' | 'stalled';

interface Read {
  frames: number;
  ms: number;
  cpuMs: number;
  p50: number;
  p99: number;
  sessions: number;
  dropped: number;
}

interface Totals {
  frames: number;
  ms: number;
  cpuMs: number;
  sent: number;
  sentMs: number;
  p50: number[];
  p99: number[];
  bytesPerSession: number[];
  /** Frames the sessions' inbound bound dropped (library only). */
  dropped: number;
}

async function startSubject(subject: Subject): Promise<{ process: DrivenProcess; url: string }> {
  const driven = new DrivenProcess('media-subject.js', [subject], ['--expose-gc']);
  const { url } = await driven.reply<{ url: string }>();
  return { process: driven, url };
}

/** One round on one server: connect N, warm up, measure, read memory while connected, close. */
async function measureRound(
  load: DrivenProcess,
  server: { process: DrivenProcess; url: string },
  sessions: number,
  totals: Totals | undefined,
): Promise<void> {
  const before = await server.process.ask<{ bytes: number }>('memory');
  await load.ask(`connect ${server.url} ${sessions}`);
  await load.ask(`stream ${WARM_MS}`);
  await server.process.ask('mark');
  const sent = await load.ask<{ sent: number; ms: number }>(`stream ${MEASURE_MS}`);
  const read = await server.process.ask<Read>('read');
  const after = await server.process.ask<{ bytes: number }>('memory');
  await load.ask('close');
  if (read.sessions !== sessions)
    throw new Error(`expected ${sessions} sessions on the server, found ${read.sessions}`);
  if (totals === undefined) return; // the warm-up round
  totals.frames += read.frames;
  totals.ms += read.ms;
  totals.cpuMs += read.cpuMs;
  totals.sent += sent.sent;
  totals.sentMs += sent.ms;
  totals.p50.push(read.p50);
  totals.p99.push(read.p99);
  totals.bytesPerSession.push((after.bytes - before.bytes) / sessions);
  totals.dropped += read.dropped;
}

function emptyTotals(): Totals {
  return {
    frames: 0,
    ms: 0,
    cpuMs: 0,
    sent: 0,
    sentMs: 0,
    p50: [],
    p99: [],
    bytesPerSession: [],
    dropped: 0,
  };
}

async function throughputRows(sessions: number): Promise<Row[]> {
  const load = new DrivenProcess('media-load.js', [], ['--expose-gc']);
  const servers = {
    library: await startSubject('library'),
    bare: await startSubject('bare'),
  };
  const totals = { library: emptyTotals(), bare: emptyTotals() };
  try {
    for (let index = 0; index <= ROUNDS; index++) {
      // Alternate which goes first, so neither always follows the other's garbage.
      const order =
        index % 2 === 0 ? (['library', 'bare'] as const) : (['bare', 'library'] as const);
      for (const name of order)
        await measureRound(load, servers[name], sessions, index === 0 ? undefined : totals[name]);
    }
  } finally {
    await Promise.all([
      load.close(),
      servers.library.process.close(),
      servers.bare.process.close(),
    ]);
  }
  const rate = (total: Totals) => (total.frames / total.ms) * 1000;
  const row = (name: 'library' | 'bare'): Row => {
    const total = totals[name];
    return {
      server: name === 'library' ? 'library: media route → audio()' : 'bare ws + JSON.parse',
      sessions,
      'offered frames/s': Math.round((total.sent / total.sentMs) * 1000),
      'frames/s': Math.round(rate(total)),
      'of offered': round(total.frames / total.ms / (total.sent / total.sentMs)),
      'vs bare': round(rate(total) / rate(totals.bare)),
      'CPU µs/frame': round((total.cpuMs * 1000) / total.frames, 1),
      'CPU vs bare': round(total.cpuMs / total.frames / (totals.bare.cpuMs / totals.bare.frames)),
      'p50 delay ms': median(total.p50),
      'p99 delay ms': median(total.p99),
      'memory/session KB': round(median(total.bytesPerSession) / 1024, 1),
      'dropped frames': name === 'library' ? total.dropped : '-',
    };
  };
  return [row('library'), row('bare')];
}

/** Sessions nobody reads, for 2 × STALL_MS: memory after each half, and the frames dropped. */
async function stalledRows(): Promise<Row[]> {
  const load = new DrivenProcess('media-load.js', [], ['--expose-gc']);
  const server = await startSubject('stalled');
  const rows: Row[] = [];
  try {
    const before = await server.process.ask<{ bytes: number }>('memory');
    await load.ask(`connect ${server.url} ${STALL_SESSIONS}`);
    for (let half = 1; half <= 2; half++) {
      await server.process.ask('mark');
      const sent = await load.ask<{ sent: number; ms: number }>(`stream ${STALL_MS}`);
      const read = await server.process.ask<Read>('read');
      const after = await server.process.ask<{ bytes: number }>('memory');
      rows.push({
        server: `library, stalled consumer (after ${(half * STALL_MS) / 1000} s)`,
        sessions: STALL_SESSIONS,
        'offered frames/s': Math.round((sent.sent / sent.ms) * 1000),
        'frames/s': 0,
        'of offered': 0,
        'vs bare': '-',
        'CPU µs/frame': round((read.cpuMs * 1000) / sent.sent, 1),
        'CPU vs bare': '-',
        'p50 delay ms': '-',
        'p99 delay ms': '-',
        'memory/session KB': round((after.bytes - before.bytes) / STALL_SESSIONS / 1024, 1),
        'dropped frames': read.dropped,
      });
    }
    await load.ask('close');
  } finally {
    await Promise.all([load.close(), server.process.close()]);
  }
  return rows;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const sessions of SESSIONS) rows.push(...(await throughputRows(sessions)));
  rows.push(...(await stalledRows()));
  const result: BenchmarkResult = {
    name: 'Media streaming',
    note: `N concurrent media WebSockets × 50 AudioData frames/s (16 kHz mono 20 ms frames: 640 bytes of PCM, base64, in ACS's JSON) from a load generator in its own process, into the library's media route (Nest, Express adapter, an audio() consumer per session) and into a bare ws server doing the same JSON.parse per message, each server in its own process; ${ROUNDS} rounds of ${MEASURE_MS} ms per server after a warm-up round, alternating the servers. frames/s: frames that reached the consumer (all frames over all time); of offered: that over the generator's send rate (on a busy 2-core machine the generator shares the CPU with the server, so the offered rate falls short of N × 50 and follows what the server leaves it); CPU µs/frame: the server process's user + system time per frame consumed (per frame received for the stalled consumer), the capacity figure while both servers keep up with the offered load; CPU vs bare: that over the bare server's; delay: consumer's clock minus the frame's send timestamp (ms resolution, median of the rounds' percentiles); memory/session: heap + external after a full GC, connected and streaming, minus before connecting. Goal: library frames/s >= 0.8 of bare. Stalled consumer: ${STALL_SESSIONS} sessions nobody reads; each keeps at most 500 frames and drops the oldest, so memory stays flat from the first measurement to the second; dropped frames: all sessions' total since they opened.`,
    rows,
  };
  report(result);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
