import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** What an outbound request got back. */
export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpRequestOptions {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * One plain HTTP(S) request without connection reuse, so nothing stays open after it (the
 * emulator must stop without leaving handles behind). Rejects on network errors, on timeout
 * and when `signal` aborts.
 */
export function sendHttpRequest(url: string, options: HttpRequestOptions): Promise<HttpReply> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) {
    headers['content-length'] = String(Buffer.byteLength(options.body));
  }
  return new Promise((resolve, reject) => {
    const outgoing = send(
      target,
      { method: options.method, headers, agent: false, signal: options.signal },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.setTimeout(options.timeoutMs, () => {
      outgoing.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}
