import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from 'jose';

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** Changes to a callback token, for negative tests of a webhook's JWT check. */
export interface CallbackTokenOptions {
  /** Default: the emulator's resource id (what `auth.audience` expects). */
  audience?: string | string[];
  /** Default: the emulator's issuer. */
  issuer?: string;
  /** Lifetime from now; negative gives an expired token. Default 300 (five minutes, as ACS). */
  expiresInSeconds?: number;
  /** `nbf` relative to now; positive gives a token not valid yet. Default 0. */
  notBeforeSeconds?: number;
  /** `iat` relative to now. Default 0. */
  issuedAtSeconds?: number;
  /** `'foreign'` signs with a key the JWKS does not publish. Default `'emulator'`. */
  key?: 'emulator' | 'foreign';
  /** The `kid` header. Default: the emulator key's id. */
  kid?: string;
  /** `'none'` gives an unsigned token (`alg: none`). Default `'RS256'`. */
  algorithm?: 'RS256' | 'none';
  /** More claims. */
  claims?: Record<string, unknown>;
}

/**
 * Signs the `Authorization: Bearer` token of every callback the way ACS does: RS256, a `kid`
 * header that names a key of the published JWKS, `iss`, `aud` (the resource id), `iat`, `nbf`,
 * a five-minute `exp` and a unique `jti`. The key pair is made when the emulator starts.
 */
export class CallbackTokenSigner {
  private foreignKey: SigningKey | undefined;

  private constructor(
    private readonly privateKey: SigningKey,
    private readonly publicJwk: JWK,
    readonly keyId: string,
    readonly issuer: string,
    readonly audience: string,
  ) {}

  static async create(issuer: string, audience: string): Promise<CallbackTokenSigner> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const keyId = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid: keyId, alg: 'RS256', use: 'sig' };
    return new CallbackTokenSigner(privateKey, publicJwk, keyId, issuer, audience);
  }

  /** The JWKS document served at `/calling/keys`. */
  keySet(): { keys: JWK[] } {
    return { keys: [{ ...this.publicJwk }] };
  }

  async sign(options: CallbackTokenOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    // A token id keeps tokens of the same second apart: each delivery gets its own.
    const claims = { jti: randomUUID(), ...options.claims };
    const issuedAt = now + (options.issuedAtSeconds ?? 0);
    const notBefore = now + (options.notBeforeSeconds ?? 0);
    const expires = now + (options.expiresInSeconds ?? 300);
    const audience = options.audience ?? this.audience;
    const issuer = options.issuer ?? this.issuer;
    if (options.algorithm === 'none') {
      return new UnsecuredJWT(claims)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(issuedAt)
        .setNotBefore(notBefore)
        .setExpirationTime(expires)
        .encode();
    }
    const key = options.key === 'foreign' ? await this.getForeignKey() : this.privateKey;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: options.kid ?? this.keyId })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(issuedAt)
      .setNotBefore(notBefore)
      .setExpirationTime(expires)
      .sign(key);
  }

  private async getForeignKey(): Promise<SigningKey> {
    this.foreignKey ??= (await generateKeyPair('RS256')).privateKey;
    return this.foreignKey;
  }
}
