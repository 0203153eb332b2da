import type { JWTPayload } from 'jose';
import type { ResolvedCallbackAuth } from '../options/call-automation-options.interface';
import { BearerTokenVerifier } from './bearer-token-verifier';
import { type KeySetTiming, RemoteKeySet } from './remote-key-set';

/**
 * Verifies the JWT ACS puts on every mid-call callback (`auth`): RS256 only, signed by a key of
 * the JWKS (`jwksUri`, or the `jwks_uri` of `openIdConfigurationUri`), the configured issuer
 * (or the OpenID configuration's), one of the audiences (the ACS resource id), and `exp`/`nbf`
 * within the clock tolerance. The key set is cached and refetched, rate-limited, on an unknown
 * `kid` (see RemoteKeySet).
 */
export class CallbackTokenVerifier {
  /** @internal The key set (diagnostics and tests). */
  readonly keys: RemoteKeySet;
  private readonly verifier: BearerTokenVerifier;

  constructor(options: ResolvedCallbackAuth, timing?: KeySetTiming) {
    this.keys = new RemoteKeySet(
      options.openIdConfigurationUri !== undefined
        ? { openIdConfigurationUri: options.openIdConfigurationUri }
        : { jwksUri: options.jwksUri as string },
      timing,
    );
    this.verifier = new BearerTokenVerifier({
      audience: options.audience,
      ...(options.issuer !== undefined ? { issuers: [options.issuer] } : {}),
      keys: this.keys,
      clockToleranceSec: options.clockToleranceSec,
    });
  }

  /** Resolves with the token's claims; CredentialsRejectedError or SigningKeysUnavailableError otherwise. */
  /** Refuses a missing or malformed Authorization header (before the body is read). */
  checkHeader(authorization: string | undefined): void {
    this.verifier.checkHeader(authorization);
  }

  verify(authorization: string | undefined): Promise<JWTPayload> {
    return this.verifier.verify(authorization);
  }
}
