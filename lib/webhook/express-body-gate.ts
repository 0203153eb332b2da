import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathOf, readStream, unreadBody, WEBHOOK_BODY, type WebhookRequest } from './webhook-body';

interface ExpressLayer {
  route?: { path?: unknown; methods?: Record<string, boolean> };
  match?: (path: string) => unknown;
}

interface ExpressApp {
  router?: { stack?: ExpressLayer[] };
  use(handler: (req: IncomingMessage, res: ServerResponse, next: () => void) => void): unknown;
}

/**
 * Express runs Nest's JSON and form parsers before any route: a 500 kB batch would get their
 * 413 although `maxBodyBytes` allows 1 MiB, and their errors (bad JSON, bad charset, a body
 * they choke on) would not be the webhook's JSON errors. The gate is a middleware put first in
 * Express's stack, for POSTs to the webhook routes only: it reads the body, whatever its content
 * type, with `maxBodyBytes` as the limit and hands the bytes to the controller; the parsers then
 * see a finished request and skip it. Returns false when Express's internals are not as
 * expected (the webhook then still works, with Express's own parsers and limit).
 */
export function installExpressBodyGate(
  app: ExpressApp,
  routePaths: readonly string[],
  maxBodyBytes: number,
): boolean {
  const stack = app.router?.stack;
  if (!Array.isArray(stack)) return false;
  const routes = stack.filter((layer) => {
    const routePath = layer.route?.path;
    return (
      layer.route?.methods?.post === true &&
      typeof routePath === 'string' &&
      typeof layer.match === 'function' &&
      routePaths.some((path) => routePath.endsWith(`/${path}`))
    );
  });
  if (routes.length === 0) return false;
  const isWebhookRoute = (path: string) =>
    routes.some((layer) => {
      try {
        return Boolean(layer.match?.(path));
      } catch {
        return false; // a path Express cannot decode is not ours
      }
    });
  app.use((req, _res, next) => {
    if (req.method !== 'POST' || !isWebhookRoute(pathOf(req.url))) {
      next();
      return;
    }
    readStream(req, maxBodyBytes).then(
      (bytes) => {
        (req as WebhookRequest)[WEBHOOK_BODY] = bytes ?? unreadBody({ tooLarge: true });
        next();
      },
      () => {
        (req as WebhookRequest)[WEBHOOK_BODY] = unreadBody({ readFailed: true });
        next();
      },
    );
  });
  const gate = stack.pop() as ExpressLayer;
  stack.unshift(gate);
  return true;
}
