import { createServer, type IncomingMessage, request, type Server } from 'node:http';

/** A running balancer: its port, and how many requests each replica served. */
export interface RoundRobinBalancer {
  readonly port: number;
  /** Requests answered by each replica (same order as the ports given). */
  readonly served: readonly number[];
  close(): Promise<void>;
}

/** Error codes that mean the replica was not reached: nothing was sent, try the next one. */
const NOT_REACHED = new Set(['ECONNREFUSED', 'EHOSTUNREACH']);

/**
 * The sample's load balancer: each request to the next replica in turn, as a cloud balancer
 * would. A replica that refuses the connection (stopped, or crashed) is skipped for that
 * request, as a balancer's failed health probe would take it out of rotation; when none can be
 * reached the answer is 502 (ACS and Event Grid deliver again).
 */
export async function startRoundRobinBalancer(
  port: number,
  replicaPorts: readonly number[],
  names: readonly string[] = replicaPorts.map(String),
): Promise<RoundRobinBalancer> {
  const served = replicaPorts.map(() => 0);
  let next = 0;
  const server: Server = createServer((incoming, outgoing) => {
    // Webhook bodies are small: buffered, so that a request can go to another replica.
    readBody(incoming).then(
      (body) => {
        const first = next++ % replicaPorts.length;
        const attempt = (tried: number, lastError: string): void => {
          if (tried === replicaPorts.length) {
            outgoing.writeHead(502, { 'content-type': 'application/json' });
            outgoing.end(JSON.stringify({ statusCode: 502, message: lastError }));
            return;
          }
          const index = (first + tried) % replicaPorts.length;
          const proxied = request(
            {
              host: '127.0.0.1',
              port: replicaPorts[index],
              method: incoming.method,
              path: incoming.url,
              headers: incoming.headers,
            },
            (response) => {
              served[index] = (served[index] ?? 0) + 1;
              outgoing.writeHead(response.statusCode ?? 502, response.headers);
              response.pipe(outgoing);
            },
          );
          proxied.once('error', (error: NodeJS.ErrnoException) => {
            const message = `replica ${names[index]}: ${error.message}`;
            if (outgoing.headersSent) {
              outgoing.destroy();
            } else if (
              NOT_REACHED.has(error.code ?? '') ||
              // A kept-alive connection the replica had closed (it stopped): not processed.
              (error.code === 'ECONNRESET' && proxied.reusedSocket)
            ) {
              attempt(tried + 1, message);
            } else {
              // It may have got the request: answering 502 lets the sender decide to retry.
              outgoing.writeHead(502, { 'content-type': 'application/json' });
              outgoing.end(JSON.stringify({ statusCode: 502, message }));
            }
          });
          proxied.end(body);
        };
        attempt(0, 'no replica');
      },
      () => outgoing.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.once('end', () => resolve(Buffer.concat(chunks)));
    incoming.once('error', reject);
  });
}
