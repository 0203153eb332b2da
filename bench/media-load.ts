import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

/**
 * The media benchmark's load generator, in a process of its own (its sockets' work must not
 * land on the server's CPU time): ACS's side of N media WebSockets. Each socket connects with
 * ACS's headers (`Authorization`, `x-ms-call-connection-id`, `x-ms-call-correlation-id`), sends
 * AudioMetadata, then one AudioData of 20 ms of 16 kHz mono PCM (640 bytes, base64) every 20 ms
 * while streaming. Frames are due on a fixed schedule from the start: a late timer (a busy
 * machine) sends the ticks due, up to five at once, as ACS's media clock would catch up.
 * `timestamp` is the send time (ISO, ms), from which the server computes the frame's delay.
 *
 * One JSON line per command read from standard input:
 * - `connect <url> <n>` → `{"connected": n}` once all n sockets are open and have sent AudioMetadata;
 * - `stream <ms>` → `{"sent": frames, "ms": wall clock}` after streaming for about `ms`;
 * - `close` → `{"closed": n}` once every socket has closed.
 */
const FRAME_MS = 20;
const MAX_CATCH_UP_TICKS = 5;
const PCM_BASE64 = Buffer.alloc(640, 0x11).toString('base64');

let sockets: WebSocket[] = [];

function audioMetadata(): string {
  return JSON.stringify({
    kind: 'AudioMetadata',
    audioMetadata: {
      subscriptionId: randomUUID(),
      encoding: 'PCM',
      sampleRate: 16000,
      channels: 1,
      length: 640,
    },
  });
}

/** ACS's AudioData message, written by hand: the generator must stay cheap at 25 000 frames/s. */
function audioData(timestamp: string): string {
  return `{"kind":"AudioData","audioData":{"timestamp":"${timestamp}","data":"${PCM_BASE64}","silent":false}}`;
}

async function connect(url: string, count: number): Promise<number> {
  const opened = Array.from({ length: count }, async () => {
    const socket = new WebSocket(url, {
      headers: {
        authorization: 'Bearer bench-token',
        'x-ms-call-connection-id': randomUUID(),
        'x-ms-call-correlation-id': randomUUID(),
      },
      perMessageDeflate: false,
      // A zero masking key (legal; ws then skips the XOR): the generator shares two busy cores
      // with the server it measures, and every cycle it saves is offered load.
      generateMask: (mask: Buffer) => mask.fill(0),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.on('error', () => {}); // a reset at close is not the generator's business
    socket.send(audioMetadata());
    return socket;
  });
  sockets = await Promise.all(opened);
  return sockets.length;
}

function stream(durationMs: number): Promise<{ sent: number; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    let ticks = 0;
    let sent = 0;
    const tick = () => {
      const elapsed = performance.now() - started;
      const due = Math.min(Math.floor(elapsed / FRAME_MS) - ticks, MAX_CATCH_UP_TICKS);
      if (due > 0) {
        for (let index = 0; index < due; index++) {
          const message = audioData(new Date().toISOString());
          for (const socket of sockets) {
            if (socket.readyState !== WebSocket.OPEN) continue;
            socket.send(message);
            sent++;
          }
        }
      }
      ticks = Math.floor(elapsed / FRAME_MS);
      if (elapsed >= durationMs) {
        clearInterval(timer);
        resolve({ sent, ms: performance.now() - started });
      }
    };
    const timer = setInterval(tick, FRAME_MS / 4);
  });
}

async function closeAll(): Promise<number> {
  const count = sockets.length;
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          socket.close(1000);
        }),
    ),
  );
  sockets = [];
  return count;
}

async function main(): Promise<void> {
  const answer = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, first, second] = line.split(' ');
    if (command === 'connect') answer({ connected: await connect(String(first), Number(second)) });
    else if (command === 'stream') answer(await stream(Number(first)));
    else if (command === 'close') answer({ closed: await closeAll() });
  }
  await closeAll();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
