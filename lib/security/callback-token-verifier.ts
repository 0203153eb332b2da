import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { ResolvedCallAutomationOptions } from '../options/call-automation-options.interface';

type AuthOptions = NonNullable<ResolvedCallAutomationOptions['auth']>;

/** Why a callback's token was refused, in words safe to log and return (never the token). */
export class CallbackTokenError extends Error {
  override readonly name = 'CallbackTokenError';
}

/**
 * Verifies the JWT ACS puts on every mid-call callback: RS256 only, signed by a key of the
 * JWKS, the configured issuer, one of the audiences, and valid `exp`/`nbf` within the clock
 * tolerance. jose caches the key set and refetches it (rate-limited) on an unknown `kid`.
 */
export class CallbackTokenVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly options: AuthOptions) {
    this.keys = createRemoteJWKSet(new URL(options.jwksUri), {
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 5_000,
    });
  }

  async verify(authorization: string | undefined): Promise<void> {
    const token = bearerToken(authorization);
    try {
      await jwtVerify(token, this.keys, {
        algorithms: ['RS256'],
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.options.clockToleranceSec,
        requiredClaims: ['exp'],
      });
    } catch (error) {
      throw new CallbackTokenError(reasonOf(error));
    }
  }
}

function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) {
    throw new CallbackTokenError(
      authorization
        ? 'the Authorization header is not a Bearer token'
        : 'the Authorization header is missing',
    );
  }
  return match[1];
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    return `the token's '${error.claim}' claim is not accepted (${error.reason})`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is not signed with RS256';
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return 'the token signature is invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key of the key set matches the token';
  if (
    error instanceof errors.JWKSTimeout ||
    (error as { code?: string }).code === 'ERR_JWKS_INVALID'
  ) {
    return 'the signing keys could not be fetched';
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return 'the token is malformed';
  return 'the token could not be verified';
}
