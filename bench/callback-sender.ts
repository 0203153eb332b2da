import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * The cross-replica benchmark's load, in its own process: POSTs 1-event callbacks at a fixed
 * rate, each stamped with the moment it is written to the socket (`sentAt`, ms since the
 * epoch) and carrying the operationContext `<prefix><n>` a waiter on replica A expects.
 * Event n is due at `startAt + n / rate` (ms since the epoch), the schedule replica A follows
 * to register its waiters just ahead of the events. A minimal HTTP/1.1 client on keep-alive
 * sockets, one request in flight per socket: node:http's client would cost more CPU than the
 * replicas it measures.
 * Arguments: url, rate (events/s), seconds, prefix, startAt. Prints `{ total, failed }`.
 */
const [url, rateArg, secondsArg, prefix, startAtArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const rate = Number(rateArg);
const total = rate * Number(secondsArg);
const startAt = Number(startAtArg);
const target = new URL(url);
const SOCKETS = 64;

let failed = 0;
let answered = 0;
let sent = 0;
const idle: Socket[] = [];
const now = () => performance.timeOrigin + performance.now();

function body(index: number): string {
  const callConnectionId = `call-${index % 1_000}`;
  return JSON.stringify([
    {
      id: randomUUID(),
      source: `calling/callConnections/${callConnectionId}`,
      type: 'Microsoft.Communication.PlayCompleted',
      specversion: '1.0',
      data: {
        callConnectionId,
        serverCallId: 'server-call-id',
        correlationId: 'correlation-id',
        operationContext: `${prefix}${index}`,
        resultInformation: { code: 200, subCode: 0, message: 'Action completed successfully.' },
        sentAt: now(),
      },
    },
  ]);
}

function send(socket: Socket, index: number): void {
  const payload = body(index);
  socket.write(
    `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
  );
}

/** Reads answers off a socket: a status line and headers, then Content-Length bytes. */
function answers(socket: Socket): void {
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length: *(\d+)/i.exec(buffer.slice(0, end))?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      if (!buffer.startsWith('HTTP/1.1 200')) failed++;
      buffer = buffer.slice(end + 4 + length);
      answered++;
      idle.push(socket);
      pump();
    }
  });
}

function pump(): void {
  const due = Math.min(total, Math.max(0, Math.floor(((now() - startAt) / 1_000) * rate)));
  while (sent < due && idle.length > 0) send(idle.pop() as Socket, sent++);
}

function tick(): void {
  pump();
  if (sent < total) setTimeout(tick, 1);
  else finish();
}

function finish(): void {
  if (answered < total) {
    setTimeout(finish, 5);
    return;
  }
  for (const socket of idle) socket.destroy();
  console.log(JSON.stringify({ total, failed }));
}

let connected = 0;
for (let index = 0; index < SOCKETS; index++) {
  const socket = connect(Number(target.port), target.hostname, () => {
    socket.setNoDelay(true);
    idle.push(socket);
    if (++connected === SOCKETS) tick();
  });
  answers(socket);
}
