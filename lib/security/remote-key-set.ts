import {
  createLocalJWKSet,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  errors as joseErrors,
} from 'jose';
import { SigningKeyRefetchThrottledError, SigningKeysUnavailableError } from './security-errors';

/** Where the keys are: a JWKS URL, or an OpenID configuration document whose `jwks_uri` names it. */
export type KeyLocation = { jwksUri: string } | { openIdConfigurationUri: string };

/** Timing of the key cache (defaults suit production; tests shorten them). */
export interface KeySetTiming {
  /** Keys are refetched (in the background of a verification) once older than this. @default 600000 */
  maxAgeMs?: number;
  /**
   * A token with an unknown `kid` (a rotated key) refetches the keys at once; such refetches
   * happen at most once per this many ms, so a flood of made-up `kid`s costs one fetch per
   * interval. In between, a token whose `kid` is still unknown is answered 503 (deliver again),
   * not 401: the key may be one the next fetch brings. @default 10000
   */
  cooldownMs?: number;
  /** After a failed fetch with no keys at hand, requests fail fast for this long. @default 5000 */
  retryAfterFailureMs?: number;
  /** Time limit of one fetch. @default 5000 */
  timeoutMs?: number;
  /** OpenID configuration documents are refetched once older than this. @default 86400000 */
  configurationMaxAgeMs?: number;
  /** The clock (tests move it). @default Date.now */
  now?: () => number;
}

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;
type KeyLike = Awaited<ReturnType<LocalKeySet>>;

const MAX_DOCUMENT_BYTES = 1024 * 1024;

/**
 * The RS256 public keys that sign tokens, fetched from a JWKS URL (directly or found through an
 * OpenID configuration) and cached:
 * - fetched on first use, refetched when older than `maxAgeMs`; a failed refetch keeps the
 *   keys at hand (a key-server outage does not lock callers out);
 * - a token whose `kid` is unknown (key rotation) refetches the set at once, unless the set was
 *   fetched for that very lookup; the refetch is shared by every request waiting for one, and
 *   such refetches happen at most once per `cooldownMs`. A token whose `kid` is unknown while
 *   the next refetch is not allowed yet gets SigningKeyRefetchThrottledError (503: deliver
 *   again), never a refusal; a `kid` the refetched set lacks is refused (401);
 * - with no keys at hand, a failed fetch makes requests fail fast (SigningKeysUnavailableError)
 *   for `retryAfterFailureMs` instead of each one hitting the key server;
 * - concurrent requests share one fetch.
 * jose (`createLocalJWKSet`) selects the key by `kid`, `alg` and `kty`.
 */
/** What a health check reports of a key set. @internal */
export interface SigningKeysStatus {
  /** Keys are held (fetched at least once). */
  fetched: boolean;
  /** When the keys held were fetched (ISO 8601). */
  fetchedAt?: string;
  /** Why the last fetch failed, when it did. */
  lastFailure?: string;
}

export class RemoteKeySet {
  private fetchCount = 0;
  private local: LocalKeySet | undefined;
  /** Bumped by every fetched set: a lookup knows whether the set changed under it. */
  private generation = 0;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  /** When a token's unknown `kid` last started a refetch. */
  private unknownKeyRefetchAt = Number.NEGATIVE_INFINITY;
  private failedAt = Number.NEGATIVE_INFINITY;
  /** Why the last fetch failed; cleared by a fetch that works. */
  private lastFailure: string | undefined;
  private pending: Promise<void> | undefined;
  private configuration: { issuer?: string; jwksUri: string; fetchedAt: number } | undefined;
  private readonly timing: Required<KeySetTiming>;

  constructor(
    private readonly location: KeyLocation,
    timing: KeySetTiming = {},
  ) {
    this.timing = {
      maxAgeMs: timing.maxAgeMs ?? 600_000,
      cooldownMs: timing.cooldownMs ?? 10_000,
      retryAfterFailureMs: timing.retryAfterFailureMs ?? 5_000,
      timeoutMs: timing.timeoutMs ?? 5_000,
      configurationMaxAgeMs: timing.configurationMaxAgeMs ?? 86_400_000,
      now: timing.now ?? Date.now,
    };
  }

  /** @internal What a health check reports: whether keys are held, and the last failure. */
  get status(): SigningKeysStatus {
    return {
      fetched: this.local !== undefined,
      ...(this.local !== undefined ? { fetchedAt: new Date(this.fetchedAt).toISOString() } : {}),
      ...(this.lastFailure !== undefined ? { lastFailure: this.lastFailure } : {}),
    };
  }

  /**
   * @internal For a readiness check: fetches the keys when none are held yet (at most once
   * per `retryAfterFailureMs`, joining a fetch under way). Never throws; see `status`.
   */
  async fetchIfNone(): Promise<void> {
    if (this.local === undefined) await this.refresh().catch(() => undefined);
  }

  /** @internal Fetches of the key set made so far (diagnostics and tests). */
  get fetches(): number {
    return this.fetchCount;
  }

  /** The issuer the OpenID configuration names (undefined with a plain JWKS URL). */
  async issuer(): Promise<string | undefined> {
    if (!('openIdConfigurationUri' in this.location)) return undefined;
    if (this.configuration === undefined) await this.refresh();
    return this.configuration?.issuer;
  }

  /** jose's key lookup (`jwtVerify(token, keys.getKey, ...)`). */
  readonly getKey = async (
    header: JWSHeaderParameters,
    token: FlattenedJWSInput,
  ): Promise<KeyLike> => {
    const before = this.generation;
    const now = this.timing.now();
    if (this.local === undefined) {
      await this.refresh();
    } else if (now - this.fetchedAt > this.timing.maxAgeMs && this.mayRetry(now)) {
      await this.refresh().catch(() => undefined); // stale keys stay in use
    }
    const seen = this.generation;
    try {
      return await (this.local as LocalKeySet)(header, token);
    } catch (error) {
      // A set fetched for this very lookup is as new as it gets: its answer stands.
      if (!(error instanceof joseErrors.JWKSNoMatchingKey) || seen !== before) throw error;
      await this.refetchForUnknownKey(seen);
      return (this.local as LocalKeySet)(header, token);
    }
  };

  /**
   * A token names a key the set does not have: the key server may have rotated its keys. Joins
   * the fetch under way, or starts one unless one started less than `cooldownMs` ago.
   */
  private async refetchForUnknownKey(seen: number): Promise<void> {
    if (this.generation !== seen) return; // a newer set came in meanwhile: look there
    if (this.pending) {
      await this.pending;
      return;
    }
    const now = this.timing.now();
    const allowedAt = this.unknownKeyRefetchAt + this.timing.cooldownMs;
    if (now < allowedAt) {
      throw new SigningKeyRefetchThrottledError(
        `the token's signing key (kid) is not in the key set, which was refetched for an unknown key moments ago; it may be refetched again in ${Math.ceil((allowedAt - now) / 1000)} s`,
      );
    }
    this.unknownKeyRefetchAt = now;
    await this.refresh();
  }

  private mayRetry(now: number): boolean {
    return now - this.failedAt >= this.timing.retryAfterFailureMs;
  }

  /** One fetch at a time; throws SigningKeysUnavailableError when it fails. */
  private refresh(): Promise<void> {
    if (this.pending) return this.pending;
    const now = this.timing.now();
    if (!this.mayRetry(now)) {
      return Promise.reject(
        new SigningKeysUnavailableError(
          'the signing keys could not be fetched (the last attempt failed moments ago)',
        ),
      );
    }
    this.pending = this.load()
      .then(
        () => {
          this.failedAt = Number.NEGATIVE_INFINITY;
          this.lastFailure = undefined;
        },
        (error: unknown) => {
          this.failedAt = this.timing.now();
          const unavailable =
            error instanceof SigningKeysUnavailableError
              ? error
              : new SigningKeysUnavailableError(
                  `the signing keys could not be fetched (${describeFailure(error)})`,
                );
          this.lastFailure = unavailable.message;
          throw unavailable;
        },
      )
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  private async load(): Promise<void> {
    const jwksUri = await this.jwksUri();
    this.fetchCount++;
    const document = await fetchJson(jwksUri, this.timing.timeoutMs, 'key set');
    let local: LocalKeySet;
    try {
      local = createLocalJWKSet(document as JSONWebKeySet);
    } catch {
      throw new SigningKeysUnavailableError(
        `the signing keys could not be fetched (${jwksUri} is not a JSON Web Key Set)`,
      );
    }
    this.local = local;
    this.generation++;
    this.fetchedAt = this.timing.now();
  }

  private async jwksUri(): Promise<string> {
    if ('jwksUri' in this.location) return this.location.jwksUri;
    const known = this.configuration;
    if (known && this.timing.now() - known.fetchedAt < this.timing.configurationMaxAgeMs) {
      return known.jwksUri;
    }
    try {
      this.configuration = {
        ...(await fetchConfiguration(this.location.openIdConfigurationUri, this.timing.timeoutMs)),
        fetchedAt: this.timing.now(),
      };
    } catch (error) {
      if (known === undefined) throw error;
      // a stale configuration is better than none
    }
    return (this.configuration ?? (known as { jwksUri: string })).jwksUri;
  }
}

async function fetchConfiguration(
  url: string,
  timeoutMs: number,
): Promise<{ issuer?: string; jwksUri: string }> {
  const document = await fetchJson(url, timeoutMs, 'OpenID configuration');
  const { jwks_uri: jwksUri, issuer } = (document ?? {}) as Record<string, unknown>;
  if (typeof jwksUri !== 'string' || !isHttpUrl(jwksUri)) {
    throw new SigningKeysUnavailableError(
      `the OpenID configuration at ${url} has no http(s) jwks_uri`,
    );
  }
  return {
    jwksUri,
    ...(typeof issuer === 'string' && issuer !== '' ? { issuer } : {}),
  };
}

/** GET a JSON document: 200 only, no redirects, within the time limit and 1 MiB. */
async function fetchJson(url: string, timeoutMs: number, what: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'GET',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json, application/jwk-set+json' },
    });
  } catch (error) {
    throw new SigningKeysUnavailableError(
      `the ${what} could not be fetched from ${url} (${describeFailure(error)})`,
    );
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    throw new SigningKeysUnavailableError(
      `the ${what} could not be fetched from ${url} (HTTP ${response.status})`,
    );
  }
  const text = await response.text().catch(() => undefined);
  if (text === undefined || text.length > MAX_DOCUMENT_BYTES) {
    throw new SigningKeysUnavailableError(`the ${what} at ${url} could not be read`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new SigningKeysUnavailableError(`the ${what} at ${url} is not JSON`);
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    return error.message;
  }
  return String(error);
}
