import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import { pathOf } from './webhook-request';
import type { WebhookRoutes } from './webhook-routes';

/** What watching needs of an HTTP server: a listener put before the framework's. */
export interface RequestSource {
  prependListener(
    event: 'request',
    listener: (request: IncomingMessage, response: ServerResponse) => void,
  ): unknown;
}

/** What tracking needs of a response: its 'close' event, once. */
export interface ClosingResponse {
  once(event: 'close', listener: () => void): unknown;
}

/**
 * The webhook requests being served, from their first byte (a slow upload counts) to the end
 * of their answer, so that shutdown can let them finish before the processor closes.
 */
@Injectable()
export class InFlightRequests {
  /** Answers not finished yet. */
  private readonly active = new Set<object>();
  /** Each drain's share of `active` (what was in flight when it began), with its resolver. */
  private readonly drains = new Map<Set<object>, () => void>();

  get size(): number {
    return this.active.size;
  }

  /** Counts POSTs to the module's routes on this server (listener put before the framework's). */
  watch(server: RequestSource, routes: WebhookRoutes): void {
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
      if (request.method === 'POST' && routes.routeOf(pathOf(request.url)) !== undefined) {
        this.track(response);
      }
    });
  }

  /** A Set entry and a listener per request, no promise: this runs for every callback. */
  track(response: ClosingResponse): void {
    this.active.add(response);
    response.once('close', () => {
      this.active.delete(response);
      for (const [waiting, finished] of this.drains) {
        if (waiting.delete(response) && waiting.size === 0) finished();
      }
    });
  }

  /**
   * Resolves once every request in flight now has been answered, or after `graceMs`; true when
   * they all finished. Requests that start later are not waited for.
   */
  async drain(graceMs: number): Promise<boolean> {
    if (this.active.size === 0) return true;
    const waiting = new Set(this.active);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<boolean>((resolve) => {
        this.drains.set(waiting, () => resolve(true));
        timer = setTimeout(() => resolve(false), graceMs);
        timer.unref();
      });
    } finally {
      clearTimeout(timer);
      this.drains.delete(waiting);
    }
  }
}
