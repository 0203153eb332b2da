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
  override readonly name = 'SigningKeysUnavailableError';
}
