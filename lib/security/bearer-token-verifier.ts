import { errors, type JWTPayload, jwtVerify } from 'jose';
import type { RemoteKeySet } from './remote-key-set';
import { CredentialsRejectedError, SigningKeysUnavailableError } from './security-errors';

/** What a bearer token must satisfy. */
export interface BearerTokenRules {
  /** Accepted `aud` values (any one). */
  audience: string[];
  /** Accepted `iss` values; undefined = the issuer of the keys' OpenID configuration. */
  issuers?: string[];
  keys: RemoteKeySet;
  /** Tolerated clock difference for `exp`/`nbf`, in seconds. */
  clockToleranceSec: number;
  /** App roles the token must all carry (`roles` claim). */
  requiredRoles?: string[];
  /** Client ids allowed (`azp`, or `appid` in Entra v1 tokens). */
  allowedClientIds?: string[];
}

const BEARER = /^Bearer +([A-Za-z0-9\-_.~+/]+=*) *$/i;

/**
 * Checks an `Authorization: Bearer <JWT>` header with jose: RS256 only (so `alg: none` and an
 * HMAC "signed" with the public key are refused before any key is used), a signature by a key
 * of the key set, an accepted issuer and audience, `exp` required, `exp`/`nbf` within the clock
 * tolerance, then the role and client rules. Refusals throw CredentialsRejectedError with a
 * reason that never contains the token; unreachable keys throw SigningKeysUnavailableError.
 */
export class BearerTokenVerifier {
  constructor(private readonly rules: BearerTokenRules) {}

  /** Throws CredentialsRejectedError unless the header is there and holds a Bearer token. */
  checkHeader(authorization: string | undefined): void {
    bearerToken(authorization);
  }

  async verify(authorization: string | undefined): Promise<JWTPayload> {
    const token = bearerToken(authorization);
    const issuers = this.rules.issuers ?? (await this.discoveredIssuer());
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.rules.keys.getKey, {
        algorithms: ['RS256'],
        issuer: issuers,
        audience: this.rules.audience,
        clockTolerance: this.rules.clockToleranceSec,
        requiredClaims: ['exp', 'iss', 'aud'],
      }));
    } catch (error) {
      if (error instanceof SigningKeysUnavailableError) throw error;
      throw new CredentialsRejectedError(reasonOf(error));
    }
    this.checkRoles(payload);
    this.checkClient(payload);
    return payload;
  }

  private async discoveredIssuer(): Promise<string[]> {
    const issuer = await this.rules.keys.issuer();
    if (issuer === undefined) {
      throw new SigningKeysUnavailableError('the OpenID configuration names no issuer');
    }
    return [issuer];
  }

  private checkRoles(payload: JWTPayload): void {
    const required = this.rules.requiredRoles ?? [];
    if (required.length === 0) return;
    const roles = Array.isArray(payload.roles) ? payload.roles : [];
    const missing = required.filter((role) => !roles.includes(role));
    if (missing.length > 0) {
      throw new CredentialsRejectedError(
        `the token lacks the app role${missing.length > 1 ? 's' : ''} ${missing.map((role) => `'${role}'`).join(', ')}`,
      );
    }
  }

  private checkClient(payload: JWTPayload): void {
    const allowed = this.rules.allowedClientIds;
    if (allowed === undefined) return;
    const client = typeof payload.azp === 'string' ? payload.azp : payload.appid;
    if (typeof client !== 'string' || !allowed.includes(client)) {
      throw new CredentialsRejectedError('the token was issued to a client that is not allowed');
    }
  }
}

function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization === '') {
    throw new CredentialsRejectedError('the Authorization header is missing');
  }
  const match = BEARER.exec(authorization);
  if (!match?.[1]) {
    throw new CredentialsRejectedError('the Authorization header is not a Bearer token');
  }
  return match[1];
}

/** Why jose refused a token, in words that never quote it. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `the token has no '${error.claim}' claim`;
    switch (error.claim) {
      case 'nbf':
        return 'the token is not valid yet (nbf)';
      case 'iat':
        return 'the token was issued in the future (iat)';
      case 'iss':
        return 'the token issuer is not accepted';
      case 'aud':
        return 'the token audience is not accepted';
      default:
        return `the token's '${error.claim}' claim is not accepted`;
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is not signed with RS256';
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return 'the token signature is invalid';
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return 'no key of the key set matches the token (kid)';
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JWKInvalid
  ) {
    return 'the token is malformed';
  }
  return 'the token could not be verified';
}
