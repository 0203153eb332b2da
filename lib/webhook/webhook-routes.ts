import { RequestMethod } from '@nestjs/common';
import type { ApplicationConfig } from '@nestjs/core';
import { RoutePathFactory } from '@nestjs/core/router/route-path-factory.js';

/** Which of the module's routes a request is for. */
export type WebhookRoute = 'callback' | 'eventGrid';

/** The route paths of the module's controllers, as options give them (no prefix). */
export interface WebhookRoutePaths {
  webhookPath: string;
  incomingCallPath: string;
}

/**
 * The full paths the module's own POST routes are served at, and nothing else: the body
 * readers and the in-flight count take these requests, and leave the app's own routes alone
 * (an app's `POST /stripe/webhook` is not the module's `webhook`).
 */
export class WebhookRoutes {
  private readonly routes = new Map<string, WebhookRoute>();

  constructor(entries: Iterable<readonly [string, WebhookRoute]>) {
    for (const [path, route] of entries) this.routes.set(withoutTrailingSlash(path), route);
  }

  /** The full paths, e.g. `/v1/api/callbacks`. */
  get paths(): string[] {
    return [...this.routes.keys()];
  }

  /** The route a request path (no query string) is for, trailing slashes ignored. */
  routeOf(path: string): WebhookRoute | undefined {
    return this.routes.get(withoutTrailingSlash(path));
  }
}

/**
 * Computes the routes as Nest registers them: Nest's own RoutePathFactory, with the app's
 * global prefix and its `exclude` list, URI versioning's default version and a RouterModule
 * path. Without the application's config (see applicationConfigOf), the paths are unprefixed.
 */
export function resolveWebhookRoutes(
  paths: WebhookRoutePaths,
  config: ApplicationConfig | undefined,
  modulePath: string | undefined,
): WebhookRoutes {
  const entries: [string, WebhookRoute][] = [];
  const add = (ctrlPath: string, route: WebhookRoute) => {
    if (config === undefined) {
      entries.push([
        `/${modulePath ? `${modulePath.replace(/^\/+|\/+$/g, '')}/` : ''}${ctrlPath}`,
        route,
      ]);
      return;
    }
    const versioningOptions = config.getVersioning();
    const created = new RoutePathFactory(config).create(
      {
        ctrlPath,
        methodPath: '/',
        modulePath,
        globalPrefix: config.getGlobalPrefix(),
        ...(versioningOptions
          ? { versioningOptions, controllerVersion: versioningOptions.defaultVersion }
          : {}),
      },
      RequestMethod.POST,
    );
    for (const path of created) entries.push([path, route]);
  };
  add(paths.webhookPath, 'callback');
  add(paths.incomingCallPath, 'eventGrid');
  return new WebhookRoutes(entries);
}

/**
 * The application's config (global prefix, versioning). Nest does not offer it to providers;
 * ModuleRef holds the container that has it. Undefined if a Nest version hides it elsewhere.
 */
export function applicationConfigOf(moduleRef: object): ApplicationConfig | undefined {
  const container = (moduleRef as { container?: { applicationConfig?: unknown } }).container;
  const config = container?.applicationConfig;
  return typeof (config as ApplicationConfig | undefined)?.getGlobalPrefix === 'function'
    ? (config as ApplicationConfig)
    : undefined;
}

function withoutTrailingSlash(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}
