import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CALL_AUTOMATION_TYPE_PREFIX } from '../events/cloud-event-envelope';
import type { CloudEvent } from '../library-types';
import { ChangeWaiters } from './change-waiters';

/** A request the collector received. */
export interface CollectedRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The parsed JSON body (undefined when there is none or it is not JSON). */
  body: unknown;
  /** The status it was answered with. */
  status: number;
  at: Date;
}

/** An event as received: a CloudEvent, plus whatever else it carried. */
export type ReceivedCloudEvent = CloudEvent & Record<string, unknown>;

/** One event out of a received body, with the request that carried it. */
export interface CollectedEvent {
  event: ReceivedCloudEvent;
  request: CollectedRequest;
}

/** How to answer a request; undefined falls back to the default (200, or a scripted status). */
export type CollectorReply = (
  request: Omit<CollectedRequest, 'status'>,
) => { status: number; headers?: Record<string, string>; body?: unknown } | undefined;

export type CollectedEventFilter =
  | { kind?: string; callConnectionId?: string; operationContext?: string }
  | ((event: CloudEvent) => boolean);

/**
 * A tiny local webhook that records what is posted to it: for tests that drive the SDK against
 * the emulator without an app, or that check exactly what was delivered. It answers 200 unless
 * told otherwise (`respondWith`, `reply`).
 */
export class CallbackCollector {
  private readonly received: CollectedRequest[] = [];
  private readonly scriptedStatuses: number[] = [];
  private readonly changes = new ChangeWaiters();
  private replyWith: CollectorReply | undefined;

  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:PORT` */
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<CallbackCollector> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const collector = new CallbackCollector(server, `http://127.0.0.1:${port}`);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const seen = {
          method: request.method ?? 'GET',
          url: request.url ?? '/',
          headers: request.headers,
          rawBody,
          body: parseJson(rawBody),
          at: new Date(),
        };
        const custom = collector.replyWith?.(seen);
        const status = custom?.status ?? collector.scriptedStatuses.shift() ?? 200;
        collector.received.push({ ...seen, status });
        const payload = custom?.body === undefined ? undefined : JSON.stringify(custom.body);
        response.writeHead(status, {
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...custom?.headers,
        });
        response.end(payload);
        collector.changes.changed();
      });
    });
    return collector;
  }

  /** A URL on this collector, e.g. `collector.url('/api/callbacks')`. */
  url(path = '/callbacks'): string {
    return `${this.baseUrl}${path.startsWith('/') ? path : `/${path}`}`;
  }

  get requests(): readonly CollectedRequest[] {
    return [...this.received];
  }

  /** Every event of every JSON body (arrays are split), in arrival order. */
  get events(): readonly CollectedEvent[] {
    return this.received.flatMap((request) => {
      const items = Array.isArray(request.body)
        ? request.body
        : request.body === undefined
          ? []
          : [request.body];
      return items
        .filter(
          (item): item is ReceivedCloudEvent =>
            typeof item === 'object' && item !== null && 'type' in item,
        )
        .map((event) => ({ event, request }));
    });
  }

  /** Answers the next `times` requests with `status` (then 200 again). */
  respondWith(status: number, times = 1): this {
    for (let index = 0; index < times; index++) this.scriptedStatuses.push(status);
    return this;
  }

  /** Decides the answer to every request (handshakes, for instance). */
  reply(replyWith: CollectorReply | undefined): this {
    this.replyWith = replyWith;
    return this;
  }

  /** The first received event that matches (already here, or coming). */
  waitForEvent(filter: CollectedEventFilter = {}, timeoutMs = 5_000): Promise<CollectedEvent> {
    return this.waitUntil(
      () => this.events.find((entry) => matches(entry.event, filter)),
      timeoutMs,
    );
  }

  /** Resolves once `count` matching events arrived (all of them, in order). */
  waitForEvents(
    count: number,
    filter: CollectedEventFilter = {},
    timeoutMs = 5_000,
  ): Promise<CollectedEvent[]> {
    return this.waitUntil(() => {
      const found = this.events.filter((entry) => matches(entry.event, filter));
      return found.length >= count ? found : undefined;
    }, timeoutMs);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private waitUntil<T>(find: () => T | undefined, timeoutMs: number): Promise<T> {
    return this.changes.until(
      find,
      timeoutMs,
      () => new Error(`Nothing matching arrived within ${timeoutMs} ms.`),
      true,
    );
  }
}

function matches(event: CloudEvent, filter: CollectedEventFilter): boolean {
  if (typeof filter === 'function') return filter(event);
  const data = event.data as { callConnectionId?: unknown; operationContext?: unknown };
  return (
    (filter.kind === undefined || event.type === `${CALL_AUTOMATION_TYPE_PREFIX}${filter.kind}`) &&
    (filter.callConnectionId === undefined || data.callConnectionId === filter.callConnectionId) &&
    (filter.operationContext === undefined || data.operationContext === filter.operationContext)
  );
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
