/**
 * The caller's credentials were refused (missing, malformed, expired, wrong issuer or audience,
 * bad signature, wrong secret). The message says why in words safe to log and to return: it
 * never contains the token or the secret. The webhook answers 401.
 */
export class CredentialsRejectedError extends Error {
  override readonly name = 'CredentialsRejectedError';
}

/**
 * The signing keys (or the OpenID configuration that names them) could not be fetched, so a
 * token could not be checked either way. The webhook answers 503: the sender may deliver again.
 */
export class SigningKeysUnavailableError extends Error {
  override readonly name: string = 'SigningKeysUnavailableError';
}

/**
 * A token names a signing key (`kid`) the key set does not have, and the set may not be
 * refetched yet (it was refetched for an unknown key moments ago: the rate limit against
 * floods of made-up `kid`s). The key may be a rotated one the next fetch brings, so the webhook
 * answers 503 (deliver again), not 401.
 */
export class SigningKeyRefetchThrottledError extends SigningKeysUnavailableError {
  override readonly name = 'SigningKeyRefetchThrottledError';
}
