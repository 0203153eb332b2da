import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from 'jose';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

interface KeyPair {
  kid: string;
  privateKey: PrivateKey;
  publicJwk: JWK;
  publicPem: string;
}

/** Changes to a token, for the rejection cases. */
export interface TestTokenOptions {
  /** Default: the server's audience. */
  audience?: string | string[];
  /** Default: the server's issuer. */
  issuer?: string;
  /** Seconds from now; negative = expired. Default 300. `null` leaves `exp` out. */
  expiresIn?: number | null;
  /** `nbf` relative to now. Default: none. */
  notBefore?: number;
  /** Which key signs: the newest published key, or one the key set does not publish. */
  key?: 'published' | 'foreign';
  /** The `kid` header. Default: the signing key's. */
  kid?: string;
  /** `none` = unsigned; `HS256-public-key` = HMAC keyed with the published PEM. */
  algorithm?: 'RS256' | 'none' | 'HS256-public-key';
  claims?: JWTPayload;
}

export interface JwksServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** The issuer tokens carry by default (`<origin>/tenant/v2.0`). */
  readonly issuer: string;
  readonly audience: string;
  /** `<origin>/keys` */
  readonly jwksUri: string;
  /** `<issuer>/.well-known/openid-configuration` (names `jwksUri` and `issuer`). */
  readonly openIdConfigurationUri: string;
  /** Requests served per path. */
  readonly hits: { keys: number; configuration: number };
  /** Milliseconds each answer waits (to test slow key fetches). */
  delayMs: number;
  /** Status of the key set answer (e.g. 500 to test an outage). */
  keysStatus: number;
  sign(options?: TestTokenOptions): Promise<string>;
  /** Publishes a new key (signing uses it from now on); returns its kid. */
  rotate(): Promise<string>;
  close(): Promise<void>;
}

async function newKey(): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

/**
 * A local stand-in for ACS's and Entra's key endpoints (no internet): RS256 keys generated in
 * the test, a JWKS at `/keys`, an OpenID configuration under the issuer, and jose-signed tokens.
 */
export async function startJwksServer(
  config: { audience?: string; issuerPath?: string } = {},
): Promise<JwksServer> {
  const keys: KeyPair[] = [await newKey()];
  const foreign = await newKey();
  const hits = { keys: 0, configuration: 0 };
  const issuerPath = config.issuerPath ?? '/tenant/v2.0';
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const answer = (status: number, body: unknown) => {
      setTimeout(() => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      }, state.delayMs);
    };
    if (path === '/keys') {
      hits.keys++;
      answer(state.keysStatus, { keys: keys.map((key) => key.publicJwk) });
    } else if (path === `${issuerPath}/.well-known/openid-configuration`) {
      hits.configuration++;
      answer(200, { issuer: state.issuer, jwks_uri: state.jwksUri });
    } else {
      answer(404, { error: 'not found' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state: JwksServer = {
    origin,
    issuer: `${origin}${issuerPath}`,
    audience:
      config.audience ??
      '/subscriptions/s/resourceGroups/r/providers/Microsoft.Communication/communicationServices/acs-test',
    jwksUri: `${origin}/keys`,
    openIdConfigurationUri: `${origin}${issuerPath}/.well-known/openid-configuration`,
    hits,
    delayMs: 0,
    keysStatus: 200,
    async sign(options = {}) {
      const current = keys[keys.length - 1] as KeyPair;
      const signer = options.key === 'foreign' ? foreign : current;
      const claims: JWTPayload = { ...options.claims };
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload = {
        iss: options.issuer ?? state.issuer,
        aud: options.audience ?? state.audience,
        iat: now,
        ...(options.expiresIn === null ? {} : { exp: now + (options.expiresIn ?? 300) }),
        ...(options.notBefore !== undefined ? { nbf: now + options.notBefore } : {}),
        ...claims,
      };
      const kid = options.kid ?? (options.key === 'foreign' ? current.kid : signer.kid);
      if (options.algorithm === 'none') return new UnsecuredJWT(payload).encode();
      if (options.algorithm === 'HS256-public-key') {
        return new SignJWT(payload)
          .setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' })
          .sign(new TextEncoder().encode(current.publicPem));
      }
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .sign(signer.privateKey);
    },
    async rotate() {
      const key = await newKey();
      keys.push(key);
      return key.kid;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return state;
}
