import type * as OtelApi from '@opentelemetry/api';

/** The `@opentelemetry/api` module (an optional peer dependency). */
export type OpenTelemetryApi = typeof OtelApi;

/** How the API is imported; replaceable so that a missing package can be tested. */
export type OpenTelemetryImporter = () => Promise<unknown>;

/**
 * Loads `@opentelemetry/api` if the app has it, else undefined: the library depends on the API
 * only, and the app chooses (or not) an SDK. A dynamic `import()` works from the CommonJS build
 * and from ESM.
 */
export async function loadOpenTelemetryApi(
  importer: OpenTelemetryImporter = () => import('@opentelemetry/api'),
): Promise<OpenTelemetryApi | undefined> {
  let loaded: unknown;
  try {
    loaded = await importer();
  } catch {
    return undefined; // not installed: nothing is recorded
  }
  // `import()` of the CommonJS build may give the exports under `default`.
  for (const candidate of [loaded, (loaded as { default?: unknown } | null)?.default]) {
    if (isApi(candidate)) return candidate;
  }
  return undefined;
}

function isApi(candidate: unknown): candidate is OpenTelemetryApi {
  if (typeof candidate !== 'object' || candidate === null) return false;
  const api = candidate as Partial<OpenTelemetryApi>;
  return (
    typeof api.trace?.getTracerProvider === 'function' &&
    typeof api.metrics?.getMeterProvider === 'function' &&
    typeof api.context?.with === 'function'
  );
}
