import type { ResolvedCallAutomationOptions } from '../options/call-automation-options.interface';
import { CallbackTokenVerifier } from './callback-token-verifier';
import { EntraTokenVerifier } from './entra-token-verifier';
import { QuerySecretCheck } from './query-secret';
import type { KeySetTiming, RemoteKeySet } from './remote-key-set';

/** What a guard reads of a request. */
export interface RequestCredentials {
  /** The request target: path and query string. */
  url: string | undefined;
  /** The `Authorization` header. */
  authorization: string | undefined;
}

interface TokenVerifier {
  readonly keys: RemoteKeySet;
  verify(authorization: string | undefined): Promise<unknown>;
  checkHeader(authorization: string | undefined): void;
}

/**
 * The protection of one webhook route: a query-string secret and/or a bearer token, each
 * checked when configured (the local secret check first, so a request without it costs no key
 * lookup). Throws CredentialsRejectedError (401) or SigningKeysUnavailableError (503).
 */
export class RequestGuard {
  constructor(
    private readonly secret?: QuerySecretCheck,
    private readonly token?: TokenVerifier,
  ) {}

  /** The key set of the token check, when tokens are checked (for health checks). */
  get signingKeys(): RemoteKeySet | undefined {
    return this.token?.keys;
  }

  get isActive(): boolean {
    return this.secret !== undefined || this.token !== undefined;
  }

  /**
   * What can be checked before the body is read, at no cost: the secret, and that the
   * Authorization header is there and holds a Bearer token. Throws CredentialsRejectedError.
   * The token's signature and claims are checked by `verify`, once the body is in.
   */
  checkBeforeBody(request: RequestCredentials): void {
    this.secret?.check(request.url);
    this.token?.checkHeader(request.authorization);
  }

  /** Whether a bearer token is checked. */
  get checksToken(): boolean {
    return this.token !== undefined;
  }

  /**
   * The bearer token alone, with the same verifier and key cache: the media WebSocket's
   * handshake, to which ACS sends its token but which `transportUrl` may not carry a secret to.
   */
  async verifyToken(authorization: string | undefined): Promise<void> {
    await this.token?.verify(authorization);
  }

  /** `secretOnly`: for requests the sender makes without a token (the CloudEvents OPTIONS handshake). */
  async verify(request: RequestCredentials, secretOnly = false): Promise<void> {
    this.secret?.check(request.url);
    if (!secretOnly) await this.token?.verify(request.authorization);
  }
}

/** `webhookPath`: `callbackSecret` and `auth` (ACS's JWT). */
export function callbackGuard(
  options: Pick<ResolvedCallAutomationOptions, 'auth' | 'callbackSecret'>,
  timing?: KeySetTiming,
): RequestGuard {
  return new RequestGuard(
    options.callbackSecret ? new QuerySecretCheck(options.callbackSecret) : undefined,
    options.auth ? new CallbackTokenVerifier(options.auth, timing) : undefined,
  );
}

/** `incomingCallPath`: `incomingCallAuth.secret` and `incomingCallAuth.entra`. */
export function incomingCallGuard(
  options: Pick<ResolvedCallAutomationOptions, 'incomingCallAuth'>,
  timing?: KeySetTiming,
): RequestGuard {
  const { secret, entra } = options.incomingCallAuth ?? {};
  return new RequestGuard(
    secret ? new QuerySecretCheck(secret) : undefined,
    entra ? new EntraTokenVerifier(entra, timing) : undefined,
  );
}
