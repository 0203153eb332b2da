import type { CallbackTokenSigner } from './callback-token-signer';
import type { RestResponse } from './rest-response';

/** What the module's `auth` option needs to verify this emulator's callback tokens. */
export interface EmulatorAuth {
  audience: string;
  issuer: string;
  jwksUri: string;
}

/** Where ACS publishes its OpenID configuration, relative to the endpoint. */
const OPENID_CONFIGURATION_PATH = 'calling/.well-known/acsopenidconfiguration';
/** Where ACS publishes the JSON Web Key Set of its callback-signing keys. */
const JWKS_PATH = 'calling/keys';

/**
 * The OpenID configuration and the JWKS an app fetches to verify callback tokens, served
 * without authentication as ACS serves them. `endpoint` ends with `/`.
 */
export class OpenIdDocuments {
  constructor(
    private readonly endpoint: string,
    private readonly signer: CallbackTokenSigner,
  ) {}

  static configurationUri(endpoint: string): string {
    return `${endpoint}${OPENID_CONFIGURATION_PATH}`;
  }

  get jwksUri(): string {
    return `${this.endpoint}${JWKS_PATH}`;
  }

  get auth(): EmulatorAuth {
    return { audience: this.signer.audience, issuer: this.signer.issuer, jwksUri: this.jwksUri };
  }

  /** The document at `pathname`, or undefined when the path names none. */
  serve(pathname: string): RestResponse | undefined {
    if (pathname === `/${JWKS_PATH}`) return { status: 200, body: this.signer.keySet() };
    if (pathname === `/${OPENID_CONFIGURATION_PATH}`) {
      return {
        status: 200,
        body: {
          issuer: this.signer.issuer,
          jwks_uri: this.jwksUri,
          id_token_signing_alg_values_supported: ['RS256'],
          response_types_supported: ['id_token'],
          subject_types_supported: ['public'],
        },
      };
    }
    return undefined;
  }
}
