import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { pathOf } from './webhook-body';

/**
 * The webhook requests being served, from their first byte (a slow upload counts) to the end
 * of their answer, so that shutdown can let them finish before the processor closes.
 */
export class InFlightRequests {
  private readonly active = new Set<Promise<void>>();

  get size(): number {
    return this.active.size;
  }

  /** Counts POSTs to the given routes on this server (listener put before the framework's). */
  watch(server: Pick<Server, 'prependListener'>, routePaths: readonly string[]): void {
    const suffixes = routePaths.map((path) => `/${path}`);
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
      if (request.method !== 'POST') return;
      const path = pathOf(request.url).replace(/\/+$/, '');
      if (suffixes.some((suffix) => path.endsWith(suffix))) this.track(response);
    });
  }

  track(response: Pick<ServerResponse, 'once'>): void {
    const done = new Promise<void>((resolve) => {
      response.once('close', () => resolve());
    });
    this.active.add(done);
    void done.then(() => this.active.delete(done));
  }

  /**
   * Resolves once every request in flight now has been answered, or after `graceMs`; true when
   * they all finished. Requests that start later are not waited for.
   */
  async drain(graceMs: number): Promise<boolean> {
    if (this.active.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
      timer.unref();
    });
    const finished = Promise.all([...this.active]).then(() => true as const);
    try {
      return await Promise.race([finished, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}
