import {
  DEFAULT_BACKLOG_TTL_MS,
  DEFAULT_DEDUPE_TTL_MS,
  DEFAULT_DISCONNECTED_CALL_TTL_MS,
  DEFAULT_INCOMING_CALL_PATH,
  DEFAULT_MAX_BACKLOG_BYTES,
  DEFAULT_MAX_BACKLOG_EVENTS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_DEDUPE_IDS,
  DEFAULT_MAX_DISCONNECTED_CALLS,
  DEFAULT_SHUTDOWN_GRACE_MS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_WEBHOOK_PATH,
} from '../constants';
import { describeValue } from '../events/event-filter';
import type {
  CallAutomationModuleOptions,
  ResolvedCallAutomationOptions,
} from './call-automation-options.interface';
import { count, fail, flag, routePath } from './option-checks';
import { resolveCallbackAuth } from './resolve-callback-auth';
import { resolveCallbackUri, resolveClientOptions } from './resolve-client-options';
import { resolveIncomingCallAuth } from './resolve-incoming-call-auth';
import { resolveMediaStreaming } from './resolve-media-streaming';
import { resolveQuerySecret } from './resolve-query-secret';
import { resolveRedisOptions } from './resolve-redis-options';

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
  'disconnectedCallTtlMs',
  'maxDisconnectedCalls',
  'dedupeTtlMs',
  'maxDedupeIds',
  'maxBodyBytes',
  'shutdownGraceMs',
  'drainTimeoutMs',
  'auth',
  'callbackSecret',
  'incomingCallAuth',
  'redis',
  'mediaStreaming',
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
    disconnectedCallTtlMs: count(
      options.disconnectedCallTtlMs,
      'disconnectedCallTtlMs',
      DEFAULT_DISCONNECTED_CALL_TTL_MS,
    ),
    maxDisconnectedCalls: count(
      options.maxDisconnectedCalls,
      'maxDisconnectedCalls',
      DEFAULT_MAX_DISCONNECTED_CALLS,
    ),
    dedupeTtlMs: count(options.dedupeTtlMs, 'dedupeTtlMs', DEFAULT_DEDUPE_TTL_MS),
    maxDedupeIds: count(options.maxDedupeIds, 'maxDedupeIds', DEFAULT_MAX_DEDUPE_IDS),
    maxBodyBytes: count(options.maxBodyBytes, 'maxBodyBytes', DEFAULT_MAX_BODY_BYTES),
    shutdownGraceMs: count(options.shutdownGraceMs, 'shutdownGraceMs', DEFAULT_SHUTDOWN_GRACE_MS),
    drainTimeoutMs: count(options.drainTimeoutMs, 'drainTimeoutMs', 0),
    emitToEventEmitter: flag(options.emitToEventEmitter, 'emitToEventEmitter', true),
    isGlobal: flag(options.isGlobal, 'isGlobal', false),
  };
  if (resolved.maxBodyBytes < 1) fail('maxBodyBytes must be at least 1');
  if (resolved.webhookPath === resolved.incomingCallPath) {
    fail(`webhookPath and incomingCallPath must differ, both are '${resolved.webhookPath}'`);
  }
  // The groups: the client, callback protection (callbackUri carries the callback secret),
  // incoming-call protection, Redis.
  Object.assign(resolved, resolveClientOptions(options));
  if (options.callbackSecret !== undefined) {
    resolved.callbackSecret = resolveQuerySecret(options.callbackSecret, 'callbackSecret');
  }
  if (options.callbackUri !== undefined) {
    resolved.callbackUri = resolveCallbackUri(options.callbackUri, resolved.callbackSecret);
  }
  if (options.auth !== undefined) resolved.auth = resolveCallbackAuth(options.auth);
  if (options.incomingCallAuth !== undefined) {
    resolved.incomingCallAuth = resolveIncomingCallAuth(options.incomingCallAuth);
  }
  if (options.redis !== undefined) resolved.redis = resolveRedisOptions(options.redis);
  if (options.mediaStreaming !== undefined) {
    resolved.mediaStreaming = resolveMediaStreaming(options.mediaStreaming);
    const { path } = resolved.mediaStreaming;
    if (path === resolved.webhookPath || path === resolved.incomingCallPath) {
      fail(`mediaStreaming.path must differ from webhookPath and incomingCallPath, got '${path}'`);
    }
  }
  return resolved;
}
