import type { IncomingMessage, ServerResponse } from 'node:http';
import { readStream, WEBHOOK_BODY, type WebhookRequest } from './webhook-body';

interface ExpressLayer {
  route?: { path?: unknown; methods?: Record<string, boolean> };
  match?: (path: string) => unknown;
}

interface ExpressApp {
  router?: { stack?: ExpressLayer[] };
  use(handler: (req: IncomingMessage, res: ServerResponse, next: () => void) => void): unknown;
}

/**
 * Express runs Nest's JSON body parser (100 kB limit by default) before any route, so a 500 kB
 * batch would get Express's 413 although `maxBodyBytes` allows 1 MiB. The gate is a middleware
 * put first in Express's stack, for the webhook routes only: it reads their body with
 * `maxBodyBytes` as the limit and hands the bytes to the controller; body-parser then sees a
 * finished request and skips it. Returns false when Express's internals are not as expected
 * (the webhook then still works, with Express's own limit).
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
  const isWebhookRoute = (path: string) => routes.some((layer) => Boolean(layer.match?.(path)));
  app.use((req, _res, next) => {
    if (req.method !== 'POST' || !isWebhookRoute(pathOf(req))) {
      next();
      return;
    }
    readStream(req, maxBodyBytes).then(
      (bytes) => {
        (req as WebhookRequest)[WEBHOOK_BODY] = bytes ?? { tooLarge: true };
        next();
      },
      () => next(),
    );
  });
  const gate = stack.pop() as ExpressLayer;
  stack.unshift(gate);
  return true;
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
