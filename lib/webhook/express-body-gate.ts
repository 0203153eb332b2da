import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpException } from '@nestjs/common';
import { contentCodingOf } from './content-encoding';
import { readBodyAhead } from './read-webhook-body';
import { headerOf, pathOf, WEBHOOK_BODY, type WebhookRequest } from './webhook-request';
import type { WebhookRoute, WebhookRoutes } from './webhook-routes';

interface ExpressLayer {
  route?: { path?: unknown; methods?: Record<string, boolean> };
  match?: (path: string) => unknown;
}

interface ExpressApp {
  router?: { stack?: ExpressLayer[] };
  use(handler: (req: IncomingMessage, res: ServerResponse, next: () => void) => void): unknown;
}

/** What the gate asks before reading a body: a refusal to answer at once, or undefined. */
export type RefusalBeforeBody = (
  route: WebhookRoute,
  request: WebhookRequest,
) => HttpException | undefined;

/**
 * Express runs Nest's JSON and form parsers before any route: a 500 kB batch would get their
 * 413 although `maxBodyBytes` allows 1 MiB, and their errors (bad JSON, bad charset, a body
 * they choke on) would not be the webhook's JSON errors. The gate is a middleware put first in
 * Express's stack, for POSTs to the module's own routes only (found in Express's stack by their
 * exact paths, so the app's routes are left alone). It refuses a request whose credentials
 * fail before its body is read (see WebhookReceiver.refusalBeforeBody); otherwise it reads the
 * body, whatever its content type, decoding a Content-Encoding, with `maxBodyBytes` as the
 * limit, and hands the bytes to the controller; the parsers then see a finished request and
 * skip it. Returns false when Express's internals are not as expected (the webhook then still
 * works, with Express's own parsers and limit).
 */
export function installExpressBodyGate(
  app: ExpressApp,
  routes: WebhookRoutes,
  maxBodyBytes: number,
  refusalBeforeBody: RefusalBeforeBody,
): boolean {
  const stack = app.router?.stack;
  if (!Array.isArray(stack)) return false;
  const layers: [ExpressLayer, WebhookRoute][] = [];
  for (const layer of stack) {
    const path = layer.route?.path;
    if (layer.route?.methods?.post !== true || typeof path !== 'string') continue;
    const route = routes.routeOf(path);
    if (route !== undefined && typeof layer.match === 'function') layers.push([layer, route]);
  }
  if (layers.length === 0) return false;
  const routeOf = (path: string): WebhookRoute | undefined => {
    for (const [layer, route] of layers) {
      try {
        if (layer.match?.(path)) return route;
      } catch {
        // a path Express cannot decode is not ours
      }
    }
    return undefined;
  };
  app.use((req, res, next) => {
    const route = req.method === 'POST' ? routeOf(pathOf(req.url)) : undefined;
    if (route === undefined) {
      next();
      return;
    }
    const refusal = refusalBeforeBody(route, req);
    if (refusal !== undefined) {
      answerUnread(res, refusal);
      return;
    }
    const coding = contentCodingOf(headerOf(req, 'content-encoding'));
    // An undecodable coding is read as it is (and refused with 415 by the route).
    void readBodyAhead(req, maxBodyBytes, coding ?? undefined).then((body) => {
      (req as WebhookRequest)[WEBHOOK_BODY] = body;
      next();
    });
  });
  const gate = stack.pop() as ExpressLayer;
  stack.unshift(gate);
  return true;
}

/**
 * Answers a request whose body was not read, and closes the connection (what is left of the
 * body is not read as a next request).
 */
function answerUnread(res: ServerResponse, error: HttpException): void {
  const body = JSON.stringify(error.getResponse());
  res.writeHead(error.getStatus(), {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
}
