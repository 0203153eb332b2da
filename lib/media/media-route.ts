import { RequestMethod } from '@nestjs/common';
import type { ApplicationConfig } from '@nestjs/core';
import { RoutePathFactory } from '@nestjs/core/router/route-path-factory.js';

/**
 * The full paths of the media WebSocket route, computed as the webhook routes are (see
 * webhook-routes.ts): Nest's RoutePathFactory with the app's global prefix and its `exclude`
 * list (as a GET route), URI versioning's default version and a RouterModule path.
 */
export function resolveMediaRoutePaths(
  path: string,
  config: ApplicationConfig | undefined,
  modulePath: string | undefined,
): Set<string> {
  if (config === undefined) {
    return new Set([
      withoutTrailingSlash(
        `/${modulePath ? `${modulePath.replace(/^\/+|\/+$/g, '')}/` : ''}${path}`,
      ),
    ]);
  }
  const versioningOptions = config.getVersioning();
  const created = new RoutePathFactory(config).create(
    {
      ctrlPath: path,
      methodPath: '/',
      modulePath,
      globalPrefix: config.getGlobalPrefix(),
      ...(versioningOptions
        ? { versioningOptions, controllerVersion: versioningOptions.defaultVersion }
        : {}),
    },
    RequestMethod.GET,
  );
  return new Set(created.map(withoutTrailingSlash));
}

/** The path of an upgrade request's target (no query string), trailing slashes ignored. */
export function upgradePathOf(url: string | undefined): string {
  const target = url ?? '/';
  const query = target.search(/[?#]/);
  return withoutTrailingSlash(query === -1 ? target : target.slice(0, query));
}

function withoutTrailingSlash(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}
