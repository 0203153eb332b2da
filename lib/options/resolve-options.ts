import {
  DEFAULT_ACS_ISSUER,
  DEFAULT_ACS_JWKS_URI,
  DEFAULT_BACKLOG_TTL_MS,
  DEFAULT_DEDUPE_TTL_MS,
  DEFAULT_INCOMING_CALL_PATH,
  DEFAULT_MAX_BACKLOG_BYTES,
  DEFAULT_MAX_BACKLOG_EVENTS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_DEDUPE_IDS,
  DEFAULT_REDIS_HANDLER_CLAIM_TIMEOUT_MS,
  DEFAULT_REDIS_KEY_PREFIX,
  DEFAULT_REDIS_MAX_STREAM_BYTES,
  DEFAULT_SHUTDOWN_GRACE_MS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_WEBHOOK_PATH,
  MAX_CLOCK_TOLERANCE_SEC,
} from '../constants';
import { CallAutomationConfigurationError } from '../errors/call-automation-configuration.error';
import { describeValue } from '../events/event-filter';
import {
  DEFAULT_ENTRA_CLOCK_TOLERANCE_SEC,
  DEFAULT_QUERY_SECRET_NAME,
  EVENT_GRID_WEBHOOK_ROLE,
  entraIssuers,
  entraJwksUri,
  MAX_ENTRA_CLOCK_TOLERANCE_SEC,
  MIN_QUERY_SECRET_LENGTH,
  openIdConfigurationOf,
} from '../security/security-defaults';
import type {
  CallAutomationModuleOptions,
  ResolvedCallAutomationOptions,
  ResolvedCallbackAuth,
  ResolvedEntraAuth,
  ResolvedIncomingCallAuth,
  ResolvedQuerySecret,
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
  'maxBacklogBytes',
  'dedupeTtlMs',
  'maxDedupeIds',
  'maxBodyBytes',
  'shutdownGraceMs',
  'auth',
  'callbackSecret',
  'incomingCallAuth',
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
    maxBacklogBytes: count(options.maxBacklogBytes, 'maxBacklogBytes', DEFAULT_MAX_BACKLOG_BYTES),
    dedupeTtlMs: count(options.dedupeTtlMs, 'dedupeTtlMs', DEFAULT_DEDUPE_TTL_MS),
    maxDedupeIds: count(options.maxDedupeIds, 'maxDedupeIds', DEFAULT_MAX_DEDUPE_IDS),
    maxBodyBytes: count(options.maxBodyBytes, 'maxBodyBytes', DEFAULT_MAX_BODY_BYTES),
    shutdownGraceMs: count(options.shutdownGraceMs, 'shutdownGraceMs', DEFAULT_SHUTDOWN_GRACE_MS),
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
  if (options.callbackSecret !== undefined) {
    resolved.callbackSecret = querySecret(options.callbackSecret, 'callbackSecret');
  }
  if (options.callbackUri !== undefined) {
    const url = absoluteUrl(options.callbackUri, 'callbackUri');
    resolved.callbackUri = resolved.callbackSecret ? withSecret(url, resolved.callbackSecret) : url;
  }
  if (options.auth !== undefined) resolved.auth = auth(options.auth);
  if (options.incomingCallAuth !== undefined) {
    resolved.incomingCallAuth = incomingCallAuth(options.incomingCallAuth);
  }
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

function auth(value: unknown): ResolvedCallbackAuth {
  const input = objectOption(value, 'auth', '{ audience, issuer?, jwksUri? }');
  knownKeys(input, 'auth', [
    'audience',
    'issuer',
    'jwksUri',
    'openIdConfigurationUri',
    'clockToleranceSec',
  ]);
  const audience = nonEmptyList(
    input.audience,
    'auth.audience',
    'your ACS resource id (or a non-empty list of them)',
  );
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
  if (input.issuer !== undefined && (typeof input.issuer !== 'string' || input.issuer === '')) {
    fail(`auth.issuer must be a non-empty string, got ${describeValue(input.issuer)}`);
  }
  const issuer = input.issuer as string | undefined;
  if (input.openIdConfigurationUri !== undefined) {
    if (input.jwksUri !== undefined) {
      fail(
        'auth takes jwksUri or openIdConfigurationUri, not both (the OpenID configuration names the key set)',
      );
    }
    const openIdConfigurationUri = absoluteUrl(
      input.openIdConfigurationUri,
      'auth.openIdConfigurationUri',
    );
    return {
      audience,
      ...(issuer !== undefined ? { issuer } : {}),
      openIdConfigurationUri,
      clockToleranceSec,
    };
  }
  const jwksUri =
    input.jwksUri === undefined ? DEFAULT_ACS_JWKS_URI : absoluteUrl(input.jwksUri, 'auth.jwksUri');
  return { audience, issuer: issuer ?? DEFAULT_ACS_ISSUER, jwksUri, clockToleranceSec };
}

const SECRET_VALUE = /^[A-Za-z0-9._~-]+$/;
const PARAMETER_NAME = /^[A-Za-z0-9._~-]+$/;

function querySecret(value: unknown, name: string): ResolvedQuerySecret {
  const input = objectOption(value, name, '{ value, name? }');
  knownKeys(input, name, ['value', 'name']);
  const values = typeof input.value === 'string' ? [input.value] : input.value;
  if (
    !Array.isArray(values) ||
    values.length === 0 ||
    values.some(
      (secret) =>
        typeof secret !== 'string' ||
        secret.length < MIN_QUERY_SECRET_LENGTH ||
        !SECRET_VALUE.test(secret),
    )
  ) {
    fail(
      `${name}.value must be a secret of at least ${MIN_QUERY_SECRET_LENGTH} URL-safe characters (A-Z a-z 0-9 - . _ ~), or a non-empty list of them; generate one with crypto.randomBytes(32).toString('base64url')`,
    );
  }
  const parameter = input.name === undefined ? DEFAULT_QUERY_SECRET_NAME : input.name;
  if (typeof parameter !== 'string' || !PARAMETER_NAME.test(parameter)) {
    fail(
      `${name}.name must be a query parameter name of URL-safe characters such as '${DEFAULT_QUERY_SECRET_NAME}', got ${describeValue(input.name)}`,
    );
  }
  return { name: parameter, values: [...(values as string[])] };
}

/** The URL with the secret's parameter set to the current value (kept when already there). */
function withSecret(url: string, secret: ResolvedQuerySecret): string {
  const parsed = new URL(url);
  const present = parsed.searchParams.getAll(secret.name);
  if (present.length > 0) {
    if (present.length === 1 && secret.values.includes(present[0] as string)) return url;
    fail(
      `callbackUri already has a query parameter '${secret.name}' that is not callbackSecret.value; remove it (the module adds the secret)`,
    );
  }
  parsed.searchParams.append(secret.name, secret.values[0] as string);
  return parsed.toString();
}

function incomingCallAuth(value: unknown): ResolvedIncomingCallAuth {
  const input = objectOption(value, 'incomingCallAuth', '{ secret?, entra? }');
  knownKeys(input, 'incomingCallAuth', ['secret', 'entra']);
  if (input.secret === undefined && input.entra === undefined) {
    fail('incomingCallAuth needs secret, entra or both (leave incomingCallAuth out for none)');
  }
  const resolved: ResolvedIncomingCallAuth = {};
  if (input.secret !== undefined) {
    resolved.secret = querySecret(input.secret, 'incomingCallAuth.secret');
  }
  if (input.entra !== undefined) resolved.entra = entra(input.entra);
  return resolved;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function entra(value: unknown): ResolvedEntraAuth {
  const name = 'incomingCallAuth.entra';
  const input = objectOption(value, name, '{ audience, tenantId?, issuer?, jwksUri? }');
  knownKeys(input, name, [
    'audience',
    'tenantId',
    'issuer',
    'jwksUri',
    'requiredRoles',
    'allowedClientIds',
    'clockToleranceSec',
  ]);
  const audience = nonEmptyList(
    input.audience,
    `${name}.audience`,
    "your app registration's Application ID URI or client id (or a non-empty list of them)",
  );
  const tenantId = input.tenantId;
  if (tenantId !== undefined && (typeof tenantId !== 'string' || !GUID.test(tenantId))) {
    fail(
      `${name}.tenantId must be the directory (tenant) id, a GUID, got ${describeValue(tenantId)}`,
    );
  }
  let issuers: string[];
  if (input.issuer !== undefined) {
    issuers = nonEmptyList(input.issuer, `${name}.issuer`, 'an issuer URL (or a list of them)');
  } else if (tenantId !== undefined) {
    issuers = entraIssuers(tenantId as string);
  } else {
    return fail(`${name} needs tenantId (or issuer)`);
  }
  const clockToleranceSec = count(
    input.clockToleranceSec,
    `${name}.clockToleranceSec`,
    DEFAULT_ENTRA_CLOCK_TOLERANCE_SEC,
  );
  if (clockToleranceSec > MAX_ENTRA_CLOCK_TOLERANCE_SEC) {
    fail(
      `${name}.clockToleranceSec must be at most ${MAX_ENTRA_CLOCK_TOLERANCE_SEC}, got ${clockToleranceSec}`,
    );
  }
  const requiredRoles =
    input.requiredRoles === undefined
      ? [EVENT_GRID_WEBHOOK_ROLE]
      : stringList(input.requiredRoles, `${name}.requiredRoles`, 'app role names');
  const resolved: ResolvedEntraAuth = { audience, issuers, requiredRoles, clockToleranceSec };
  if (input.allowedClientIds !== undefined) {
    resolved.allowedClientIds = nonEmptyList(
      input.allowedClientIds,
      `${name}.allowedClientIds`,
      'a non-empty list of client ids',
    );
  }
  if (input.jwksUri !== undefined) {
    resolved.jwksUri = absoluteUrl(input.jwksUri, `${name}.jwksUri`);
  } else if (tenantId !== undefined) {
    resolved.jwksUri = entraJwksUri(tenantId as string);
  } else {
    resolved.openIdConfigurationUri = absoluteUrl(
      openIdConfigurationOf(issuers[0] as string),
      `${name}.issuer`,
    );
  }
  return resolved;
}

function objectOption(value: unknown, name: string, form: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`${name} must be an object ${form}, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

function knownKeys(input: Record<string, unknown>, name: string, keys: string[]): void {
  for (const key of Object.keys(input)) {
    if (!keys.includes(key)) {
      fail(`unknown option '${name}.${key}'. ${name} takes ${keys.join(', ')}`);
    }
  }
}

/** One non-empty string or a non-empty list of them. */
function nonEmptyList(value: unknown, name: string, what: string): string[] {
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
function stringList(value: unknown, name: string, what: string): string[] {
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string' || entry === '')) {
    fail(`${name} must be a list of ${what}, got ${describeValue(value)}`);
  }
  return [...(value as string[])];
}

function redis(value: unknown): ResolvedCallAutomationOptions['redis'] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(
      `redis must be an object { url, keyPrefix?, handlerClaimTimeoutMs?, maxStreamBytes? }, got ${describeValue(value)}`,
    );
  }
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!['url', 'keyPrefix', 'handlerClaimTimeoutMs', 'maxStreamBytes'].includes(key)) {
      fail(
        `unknown option 'redis.${key}'. redis takes url, keyPrefix, handlerClaimTimeoutMs and maxStreamBytes`,
      );
    }
  }
  if (typeof input.url !== 'string' || !/^rediss?:\/\//.test(input.url)) {
    fail(`redis.url must be a redis:// or rediss:// URL, got ${describeValue(input.url)}`);
  }
  const keyPrefix = input.keyPrefix === undefined ? DEFAULT_REDIS_KEY_PREFIX : input.keyPrefix;
  if (typeof keyPrefix !== 'string') {
    fail(`redis.keyPrefix must be a string, got ${describeValue(input.keyPrefix)}`);
  }
  const handlerClaimTimeoutMs = count(
    input.handlerClaimTimeoutMs,
    'redis.handlerClaimTimeoutMs',
    DEFAULT_REDIS_HANDLER_CLAIM_TIMEOUT_MS,
  );
  if (handlerClaimTimeoutMs < 100) {
    fail(
      `redis.handlerClaimTimeoutMs must be at least 100 (ms), got ${handlerClaimTimeoutMs}: shorter would run handlers again while they are still running`,
    );
  }
  const maxStreamBytes = count(
    input.maxStreamBytes,
    'redis.maxStreamBytes',
    DEFAULT_REDIS_MAX_STREAM_BYTES,
  );
  if (maxStreamBytes < 1024) {
    fail(`redis.maxStreamBytes must be at least 1024, got ${maxStreamBytes}`);
  }
  return { url: input.url, keyPrefix, handlerClaimTimeoutMs, maxStreamBytes };
}
