import type { Duplex } from 'node:stream';

const REASONS: Record<number, string> = {
  401: 'Unauthorized',
  404: 'Not Found',
  503: 'Service Unavailable',
};

/**
 * Answers an upgrade request with a plain HTTP error and closes the socket, before any
 * WebSocket exists: `{ statusCode, error, message }` as the webhook's errors.
 */
export function refuseHandshake(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const error = REASONS[status] ?? 'Error';
  const body = JSON.stringify({ statusCode: status, error, message });
  socket.end(
    `HTTP/1.1 ${status} ${error}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  );
  // A peer that never reads the answer must not hold the socket.
  setTimeout(() => socket.destroy(), 1_000).unref();
}
