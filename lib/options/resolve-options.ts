import {
  DEFAULT_ACS_ISSUER,
  DEFAULT_ACS_JWKS_URI,
  DEFAULT_BACKLOG_TTL_MS,
  DEFAULT_DEDUPE_TTL_MS,
  DEFAULT_INCOMING_CALL_PATH,
  DEFAULT_MAX_BACKLOG_EVENTS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_DEDUPE_IDS,
  DEFAULT_REDIS_KEY_PREFIX,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_WEBHOOK_PATH,
  MAX_CLOCK_TOLERANCE_SEC,
} from '../constants';
import { CallAutomationConfigurationError } from '../errors/call-automation-configuration.error';
import { describeValue } from '../events/event-filter';
import type {
  CallAutomationModuleOptions,
  ResolvedCallAutomationOptions,
} from './call-automation-options.interface';

const OPTION_KEYS: ReadonlySet<string> = new Set<keyof CallAutomationModuleOptions>([
  'connectionString',
  'clientOptions',
  'client',
  'callbackUri',
  'webhookPath',
  'incomingCallPath',
  'defaultTimeoutMs',
  'backlogTtlMs',
  'maxBacklogEvents',
  'dedupeTtlMs',
  'maxDedupeIds',
  'maxBodyBytes',
  'auth',
  'redis',
  'emitToEventEmitter',
  'isGlobal',
]);

/**
 * Applies defaults and checks every option, so that a wrong value stops the application at
 * start-up with a message that names the option and the form it expects.
 */
export function resolveOptions(
  input: CallAutomationModuleOptions | undefined,
): ResolvedCallAutomationOptions {
  const options = input ?? {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    fail(`options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      fail(`unknown option '${key}'. Known options: ${[...OPTION_KEYS].join(', ')}`);
    }
  }
  const resolved: ResolvedCallAutomationOptions = {
    webhookPath: routePath(options.webhookPath, 'webhookPath', DEFAULT_WEBHOOK_PATH),
    incomingCallPath: routePath(
      options.incomingCallPath,
      'incomingCallPath',
      DEFAULT_INCOMING_CALL_PATH,
    ),
    defaultTimeoutMs: count(options.defaultTimeoutMs, 'defaultTimeoutMs', DEFAULT_TIMEOUT_MS, true),
    backlogTtlMs: count(options.backlogTtlMs, 'backlogTtlMs', DEFAULT_BACKLOG_TTL_MS),
    maxBacklogEvents: count(
      options.maxBacklogEvents,
      'maxBacklogEvents',
      DEFAULT_MAX_BACKLOG_EVENTS,
    ),
    dedupeTtlMs: count(options.dedupeTtlMs, 'dedupeTtlMs', DEFAULT_DEDUPE_TTL_MS),
    maxDedupeIds: count(options.maxDedupeIds, 'maxDedupeIds', DEFAULT_MAX_DEDUPE_IDS),
    maxBodyBytes: count(options.maxBodyBytes, 'maxBodyBytes', DEFAULT_MAX_BODY_BYTES),
    emitToEventEmitter: flag(options.emitToEventEmitter, 'emitToEventEmitter', true),
    isGlobal: flag(options.isGlobal, 'isGlobal', false),
  };
  if (resolved.maxBodyBytes < 1) fail('maxBodyBytes must be at least 1');
  if (resolved.webhookPath === resolved.incomingCallPath) {
    fail(`webhookPath and incomingCallPath must differ, both are '${resolved.webhookPath}'`);
  }
  if (options.connectionString !== undefined) {
    resolved.connectionString = connectionString(options.connectionString);
  }
  if (options.clientOptions !== undefined) {
    if (typeof options.clientOptions !== 'object' || options.clientOptions === null) {
      fail(
        `clientOptions must be an object (CallAutomationClientOptions), got ${describeValue(options.clientOptions)}`,
      );
    }
    resolved.clientOptions = options.clientOptions;
  }
  if (options.client !== undefined) {
    if (typeof options.client !== 'object' || options.client === null) {
      fail(`client must be a CallAutomationClient, got ${describeValue(options.client)}`);
    }
    resolved.client = options.client;
  }
  if (options.callbackUri !== undefined)
    resolved.callbackUri = absoluteUrl(options.callbackUri, 'callbackUri');
  if (options.auth !== undefined) resolved.auth = auth(options.auth);
  if (options.redis !== undefined) resolved.redis = redis(options.redis);
  return resolved;
}

function fail(message: string): never {
  throw new CallAutomationConfigurationError(`CallAutomationModule: ${message}.`);
}

function routePath(value: unknown, name: string, fallback: string): string {
  if (value === undefined) return fallback;
  const trimmed = typeof value === 'string' ? value.replace(/^\/+|\/+$/g, '') : '';
  if (trimmed === '' || /[\s?#]/.test(trimmed)) {
    fail(
      `${name} must be a non-empty route path such as '${fallback}', got ${describeValue(value)}`,
    );
  }
  return trimmed;
}

function count(value: unknown, name: string, fallback: number, allowInfinity = false): number {
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

function flag(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    fail(`${name} must be true or false, got ${describeValue(value)}`);
  return value;
}

function connectionString(value: unknown): string {
  if (typeof value !== 'string' || !/endpoint=.+;\s*accesskey=.+/i.test(value)) {
    fail(
      "connectionString must look like 'endpoint=https://<resource>.communication.azure.com/;accesskey=<key>' (copy it from the ACS resource's Keys page)",
    );
  }
  return value;
}

function absoluteUrl(value: unknown, name: string): string {
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

function auth(value: unknown): ResolvedCallAutomationOptions['auth'] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`auth must be an object { audience, issuer?, jwksUri? }, got ${describeValue(value)}`);
  }
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!['audience', 'issuer', 'jwksUri', 'clockToleranceSec'].includes(key)) {
      fail(
        `unknown option 'auth.${key}'. auth takes audience, issuer, jwksUri and clockToleranceSec`,
      );
    }
  }
  const audiences = typeof input.audience === 'string' ? [input.audience] : input.audience;
  if (
    !Array.isArray(audiences) ||
    audiences.length === 0 ||
    audiences.some((audience) => typeof audience !== 'string' || audience === '')
  ) {
    fail(
      `auth.audience must be your ACS resource id (or a non-empty list of them), got ${describeValue(input.audience)}`,
    );
  }
  const clockToleranceSec = count(
    input.clockToleranceSec,
    'auth.clockToleranceSec',
    MAX_CLOCK_TOLERANCE_SEC,
  );
  if (clockToleranceSec > MAX_CLOCK_TOLERANCE_SEC) {
    fail(
      `auth.clockToleranceSec must be at most ${MAX_CLOCK_TOLERANCE_SEC}, got ${clockToleranceSec}`,
    );
  }
  const issuer = input.issuer === undefined ? DEFAULT_ACS_ISSUER : input.issuer;
  if (typeof issuer !== 'string' || issuer === '') {
    fail(`auth.issuer must be a non-empty string, got ${describeValue(input.issuer)}`);
  }
  const jwksUri =
    input.jwksUri === undefined ? DEFAULT_ACS_JWKS_URI : absoluteUrl(input.jwksUri, 'auth.jwksUri');
  return { audience: audiences as string[], issuer, jwksUri, clockToleranceSec };
}

function redis(value: unknown): ResolvedCallAutomationOptions['redis'] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`redis must be an object { url, keyPrefix? }, got ${describeValue(value)}`);
  }
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!['url', 'keyPrefix'].includes(key)) {
      fail(`unknown option 'redis.${key}'. redis takes url and keyPrefix`);
    }
  }
  if (typeof input.url !== 'string' || !/^rediss?:\/\//.test(input.url)) {
    fail(`redis.url must be a redis:// or rediss:// URL, got ${describeValue(input.url)}`);
  }
  const keyPrefix = input.keyPrefix === undefined ? DEFAULT_REDIS_KEY_PREFIX : input.keyPrefix;
  if (typeof keyPrefix !== 'string') {
    fail(`redis.keyPrefix must be a string, got ${describeValue(input.keyPrefix)}`);
  }
  return { url: input.url, keyPrefix };
}
