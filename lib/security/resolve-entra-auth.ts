import { describeValue } from '../events/event-filter';
import type { ResolvedEntraAuth } from '../options/call-automation-options.interface';
import {
  absoluteUrl,
  count,
  fail,
  knownKeys,
  nonEmptyList,
  objectOption,
  stringList,
} from '../options/option-checks';
import {
  DEFAULT_ENTRA_CLOCK_TOLERANCE_SEC,
  EVENT_GRID_WEBHOOK_ROLE,
  entraIssuers,
  entraJwksUri,
  MAX_ENTRA_CLOCK_TOLERANCE_SEC,
  openIdConfigurationOf,
} from './security-defaults';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `incomingCallAuth.entra`, with what Microsoft Entra ID derives from the tenant: its v1 and v2
 * issuers, its key set, or (with an issuer only) the key set its OpenID configuration names.
 */
export function resolveEntraAuth(value: unknown): ResolvedEntraAuth {
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
