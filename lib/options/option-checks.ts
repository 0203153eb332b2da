import { CallAutomationConfigurationError } from '../errors/call-automation-configuration.error';
import { describeValue } from '../events/event-filter';

/** The checks every option group uses: each failure names the option and the form it expects. */

export function fail(message: string): never {
  throw new CallAutomationConfigurationError(`CallAutomationModule: ${message}.`);
}

export function routePath(value: unknown, name: string, fallback: string): string {
  if (value === undefined) return fallback;
  const trimmed = typeof value === 'string' ? value.replace(/^\/+|\/+$/g, '') : '';
  if (trimmed === '' || /[\s?#]/.test(trimmed)) {
    fail(
      `${name} must be a non-empty route path such as '${fallback}', got ${describeValue(value)}`,
    );
  }
  return trimmed;
}

export function count(
  value: unknown,
  name: string,
  fallback: number,
  allowInfinity = false,
): number {
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    value >= 0 &&
    (Number.isInteger(value) || (allowInfinity && value === Number.POSITIVE_INFINITY));
  if (!ok) {
    fail(
      `${name} must be a whole number >= 0${allowInfinity ? ' (or Infinity)' : ''}, got ${describeValue(value)}`,
    );
  }
  return value;
}

export function flag(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    fail(`${name} must be true or false, got ${describeValue(value)}`);
  return value;
}

export function connectionString(value: unknown): string {
  if (typeof value !== 'string' || !/endpoint=.+;\s*accesskey=.+/i.test(value)) {
    fail(
      "connectionString must look like 'endpoint=https://<resource>.communication.azure.com/;accesskey=<key>' (copy it from the ACS resource's Keys page)",
    );
  }
  return value;
}

export function absoluteUrl(value: unknown, name: string): string {
  if (typeof value === 'string') {
    try {
      const url = new URL(value);
      if (url.protocol === 'https:' || url.protocol === 'http:') return value;
    } catch {
      // reported below
    }
  }
  return fail(
    `${name} must be an absolute http(s) URL such as 'https://example.com/api/callbacks', got ${describeValue(value)}`,
  );
}

export function objectOption(value: unknown, name: string, form: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`${name} must be an object ${form}, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

export function knownKeys(input: Record<string, unknown>, name: string, keys: string[]): void {
  for (const key of Object.keys(input)) {
    if (!keys.includes(key)) {
      fail(`unknown option '${name}.${key}'. ${name} takes ${keys.join(', ')}`);
    }
  }
}

/** One non-empty string or a non-empty list of them. */
export function nonEmptyList(value: unknown, name: string, what: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some((entry) => typeof entry !== 'string' || entry === '')
  ) {
    fail(`${name} must be ${what}, got ${describeValue(value)}`);
  }
  return [...(list as string[])];
}

/** A list (possibly empty) of non-empty strings. */
export function stringList(value: unknown, name: string, what: string): string[] {
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string' || entry === '')) {
    fail(`${name} must be a list of ${what}, got ${describeValue(value)}`);
  }
  return [...(value as string[])];
}
