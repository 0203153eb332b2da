import type { JWTPayload } from 'jose';
import type { ResolvedEntraAuth } from '../options/call-automation-options.interface';
import { BearerTokenVerifier } from './bearer-token-verifier';
import { type KeySetTiming, RemoteKeySet } from './remote-key-set';

/**
 * Verifies the Microsoft Entra ID token Event Grid sends with each delivery when its
 * subscription uses Microsoft Entra authentication (`incomingCallAuth.entra`): RS256, signed by a
 * key of the tenant's key set, a v1 or v2 issuer of the tenant (or the configured ones), the app
 * registration as audience, valid `exp`/`nbf`, the required app roles
 * (`AzureEventGridSecureWebhookSubscriber` by default) and, when configured, an allowed client.
 */
export class EntraTokenVerifier {
  /** @internal The key set (diagnostics and tests). */
  readonly keys: RemoteKeySet;
  private readonly verifier: BearerTokenVerifier;

  constructor(options: ResolvedEntraAuth, timing?: KeySetTiming) {
    this.keys = new RemoteKeySet(
      options.jwksUri !== undefined
        ? { jwksUri: options.jwksUri }
        : { openIdConfigurationUri: options.openIdConfigurationUri as string },
      timing,
    );
    this.verifier = new BearerTokenVerifier({
      audience: options.audience,
      issuers: options.issuers,
      keys: this.keys,
      clockToleranceSec: options.clockToleranceSec,
      requiredRoles: options.requiredRoles,
      ...(options.allowedClientIds !== undefined
        ? { allowedClientIds: options.allowedClientIds }
        : {}),
    });
  }

  /** Refuses a missing or malformed Authorization header (before the body is read). */
  checkHeader(authorization: string | undefined): void {
    this.verifier.checkHeader(authorization);
  }

  verify(authorization: string | undefined): Promise<JWTPayload> {
    return this.verifier.verify(authorization);
  }
}
