import { DEFAULT_ACS_ISSUER, DEFAULT_ACS_JWKS_URI, MAX_CLOCK_TOLERANCE_SEC } from '../constants';
import { describeValue } from '../events/event-filter';
import type { ResolvedCallbackAuth } from './call-automation-options.interface';
import { absoluteUrl, count, fail, knownKeys, nonEmptyList, objectOption } from './option-checks';

/** `auth`: the check of ACS's JWT on callbacks, its keys from a JWKS or an OpenID configuration. */
export function resolveCallbackAuth(value: unknown): ResolvedCallbackAuth {
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
