import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { ChangeWaiters } from '../../lib/testing/emulator/change-waiters';

/** One connection ACS (the emulator) opened, as a bare `ws` server saw it. */
export interface BareConnection {
  headers: IncomingHttpHeaders;
  /** Path and query of the handshake. */
  url: string;
  socket: WebSocket;
  /** Text messages received, in order. */
  messages: string[];
  /** Set once the socket closed: the code the other side sent. */
  closeCode?: number;
  closed: Promise<number>;
}

/**
 * A bare `ws` WebSocketServer standing in for the app's media route: it records handshakes and
 * messages, and can refuse handshakes with a status (`refuseWith`).
 */
export class BareWebSocketServer {
  readonly connections: BareConnection[] = [];
  private readonly changes = new ChangeWaiters();

  private constructor(
    private readonly server: WebSocketServer,
    readonly port: number,
  ) {
    server.on('connection', (socket, request) => {
      let closedWith: (code: number) => void = () => {};
      const connection: BareConnection = {
        headers: request.headers,
        url: request.url ?? '',
        socket,
        messages: [],
        closed: new Promise((resolve) => {
          closedWith = resolve;
        }),
      };
      socket.on('message', (data) => {
        connection.messages.push(data.toString());
        this.changed();
      });
      socket.on('close', (code) => {
        connection.closeCode = code;
        closedWith(code);
        this.changed();
      });
      this.connections.push(connection);
      this.changed();
    });
  }

  static async start(options: { refuseWith?: number } = {}): Promise<BareWebSocketServer> {
    const server = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      verifyClient: options.refuseWith
        ? (_info, done) => done(false, options.refuseWith)
        : undefined,
    });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return new BareWebSocketServer(server, (server.address() as AddressInfo).port);
  }

  url(path = '/api/media'): string {
    return `ws://127.0.0.1:${this.port}${path}`;
  }

  /** Resolves once `condition` holds; rejects after `timeoutMs`. */
  waitFor(condition: () => boolean, timeoutMs = 5_000, what = 'a condition'): Promise<void> {
    return this.changes
      .until(
        () => (condition() ? true : undefined),
        timeoutMs,
        () => new Error(`The bare WebSocket server waited ${timeoutMs} ms for ${what}.`),
      )
      .then(() => undefined);
  }

  /** The `index`-th connection, once it exists. */
  async connection(index = 0): Promise<BareConnection> {
    await this.waitFor(() => this.connections.length > index, 5_000, `connection #${index}`);
    return this.connections[index] as BareConnection;
  }

  /** The connection's messages, once it has `count` of them. */
  async messages(connection: BareConnection, count: number): Promise<string[]> {
    await this.waitFor(() => connection.messages.length >= count, 5_000, `${count} messages`);
    return connection.messages;
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private changed(): void {
    this.changes.changed();
  }
}
