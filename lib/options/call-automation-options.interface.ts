import type { ConnectionOptions } from 'node:tls';
import type {
  CallAutomationClient,
  CallAutomationClientOptions,
} from '@azure/communication-call-automation';

/** JWT check of mid-call callbacks (ACS signs each with RS256). Applies to `webhookPath` only. */
export interface CallbackAuthOptions {
  /** Your ACS resource's immutable resource id; one id or a list. */
  audience: string | string[];
  /**
   * The `iss` the token must carry. With `openIdConfigurationUri` and no `issuer`, the issuer
   * of that document.
   * @default 'https://acscallautomation.communication.azure.com'
   */
  issuer?: string;
  /**
   * The key set (JWKS) that signs the tokens. Not together with `openIdConfigurationUri`.
   * @default 'https://acscallautomation.communication.azure.com/calling/keys'
   */
  jwksUri?: string;
  /**
   * Take the key set (`jwks_uri`) and, unless `issuer` is given, the issuer from this OpenID
   * configuration document instead, e.g.
   * `https://acscallautomation.communication.azure.com/calling/.well-known/acsopenidconfiguration`.
   * Not together with `jwksUri`. @default undefined (the keys come from `jwksUri`)
   */
  openIdConfigurationUri?: string;
  /** Accepted clock difference for `exp`/`nbf`, at most 60. @default 60 */
  clockToleranceSec?: number;
}

/**
 * A shared secret in a query-string parameter of the URL a service posts to, compared in
 * constant time. Generate it with e.g. `crypto.randomBytes(32).toString('base64url')`.
 */
export interface QuerySecretOptions {
  /**
   * The secret: at least 16 URL-safe characters (`A-Z a-z 0-9 - . _ ~`). A list accepts each
   * of them (to rotate a secret without failed deliveries); the first one is the current one.
   */
  value: string | string[];
  /** Name of the query parameter. @default 'secret' */
  name?: string;
}

/**
 * Microsoft Entra ID bearer token check, for Event Grid's "Microsoft Entra authentication"
 * webhook delivery: RS256 tokens that Entra issues to Event Grid for your app registration.
 * Give `tenantId` or `issuer`.
 */
export interface EntraAuthOptions {
  /** What the token's `aud` carries: the app registration's Application ID URI or client id; one or a list. */
  audience: string | string[];
  /**
   * Directory (tenant) id, a GUID. Accepts the v2 issuer
   * `https://login.microsoftonline.com/{tenantId}/v2.0` and the v1 issuer
   * `https://sts.windows.net/{tenantId}/`. @default undefined (then `issuer` is required)
   */
  tenantId?: string;
  /** Issuer(s) to accept instead of those derived from `tenantId`. @default the tenant's v1 and v2 issuers */
  issuer?: string | string[];
  /**
   * The key set that signs the tokens.
   * @default `https://login.microsoftonline.com/{tenantId}/discovery/v2.0/keys` with `tenantId`,
   * else the `jwks_uri` of `{issuer}/.well-known/openid-configuration` (first issuer)
   */
  jwksUri?: string;
  /**
   * App roles the token must all carry (`roles` claim). Event Grid's set-up script assigns this
   * role to Event Grid's service principal. `[]` turns the role check off.
   * @default ['AzureEventGridSecureWebhookSubscriber']
   */
  requiredRoles?: string[];
  /**
   * Client (application) ids allowed to call (`azp` in v2 tokens, `appid` in v1 tokens).
   * @default undefined (any client that got a token with the audience and roles)
   */
  allowedClientIds?: string[];
  /** Accepted clock difference for `exp`/`nbf`, at most 300. @default 60 */
  clockToleranceSec?: number;
}

/** Protection of the Event Grid endpoint (`incomingCallPath`); every check that is set must pass. */
export interface IncomingCallAuthOptions {
  /** A secret in the query string of the subscription's endpoint URL (Event Grid sends it on every request). */
  secret?: QuerySecretOptions;
  /** Entra ID bearer tokens (Event Grid subscription with Microsoft Entra authentication). */
  entra?: EntraAuthOptions;
}

/** A Redis Cluster node or a sentinel. */
export interface RedisNode {
  host: string;
  port: number;
}

/** Scale-out across replicas: Redis carries events between them. */
export interface CallAutomationRedisOptions {
  /**
   * Standalone Redis, e.g. `redis://127.0.0.1:6379/0`, or `rediss://user:password@host:6380`
   * (TLS, with an ACL user or `:password`). Give exactly one of `url`, `cluster`, `sentinels`.
   */
  url?: string;
  /** Redis Cluster: some of its nodes (the client finds the others). Keys get a hash tag. */
  cluster?: RedisNode[];
  /** Sentinel: the sentinels; `name` is the primary they monitor. Follows failovers. */
  sentinels?: RedisNode[];
  /** With `sentinels`: the name of the primary (`sentinel monitor <name> ...`). */
  name?: string;
  /**
   * TLS settings passed to ioredis (Node.js `tls.connect` options), e.g. `{ ca }` to trust a
   * private CA. A `rediss://` URL turns TLS on by itself; for `cluster` and `sentinels`,
   * giving `tls` turns it on.
   */
  tls?: ConnectionOptions;
  /**
   * ACL user for the Redis nodes, any form (with `url` it may be in the URL instead). For
   * `sentinels`: the primary's and replicas' user (the sentinels' is `sentinelUsername`).
   */
  username?: string;
  /**
   * Password (or access key) for the Redis nodes, any form: `requirepass`, or the ACL user's
   * with `username`. With `url` it may be in the URL instead; not both.
   */
  password?: string;
  /** With `sentinels`: ACL user of the sentinels themselves, when they ask for one. */
  sentinelUsername?: string;
  /** With `sentinels`: password of the sentinels themselves (their `requirepass`), when set. */
  sentinelPassword?: string;
  /** Prefix of every key and stream this module writes. @default 'acs:' */
  keyPrefix?: string;
  /**
   * `@OnCallEvent` handlers of an event that a replica took but did not finish (it died, or
   * its acknowledgement was lost) run again on another replica after this long. A replica
   * keeps the entries of handlers still running its own, however long they run.
   * @default 30000
   */
  handlerClaimTimeoutMs?: number;
  /**
   * Webhooks answer 200 only once this many Redis replicas have the events (Redis `WAIT`
   * after the hand-over, in the same round trip); 503 when fewer confirm within a second.
   * Replication is asynchronous: without it, a failover can lose events already answered
   * 200. Costs about one replication round trip per hand-over. @default 0
   */
  waitForReplicas?: number;
  /**
   * Bound of the event stream in Redis, in bytes of event JSON: past it the oldest entries
   * are trimmed; a batch larger than this is refused. @default 67108864 (64 MiB)
   */
  maxStreamBytes?: number;
}

/** `mediaStreaming`: the WebSocket route ACS streams call audio and transcription to. */
export interface MediaStreamingOptions {
  /** Route of the WebSocket on the app's own HTTP server (the global prefix applies). @default 'api/media' */
  path?: string;
  /**
   * The `wss://` (or `ws://`) URL of that route as ACS reaches *this* replica: filled in as
   * `transportUrl` wherever an operation's `mediaStreamingOptions` / `transcriptionOptions`
   * omit it. @default undefined (nothing filled in)
   */
  publicUrl?: string;
  /** Largest inbound message, in bytes; a larger one closes the socket with code 1009. @default 1048576 (1 MiB) */
  maxMessageBytes?: number;
}

export interface CallAutomationModuleOptions {
  /** ACS connection string (`endpoint=...;accesskey=...`): the module builds the SDK client. */
  connectionString?: string;
  /** Passed to the SDK client (e.g. `allowInsecureConnection` for a local emulator). */
  clientOptions?: CallAutomationClientOptions;
  /** A ready SDK client (e.g. built from an endpoint and a TokenCredential); wins over `connectionString`. */
  client?: CallAutomationClient;
  /**
   * Public URL ACS posts callbacks to; the default for every operation. With `callbackSecret`,
   * the module adds the secret's query parameter to it (the resolved option carries it).
   */
  callbackUri?: string;
  /** Route of the built-in callback controller. @default 'api/callbacks' */
  webhookPath?: string;
  /** Route of the Event Grid incoming-call endpoint. @default 'api/incomingCall' */
  incomingCallPath?: string;
  /** Waiter timeout. @default 240000 (four minutes, as the .NET SDK) */
  defaultTimeoutMs?: number;
  /** How long an unclaimed event waits for a late waiter. @default 5000 */
  backlogTtlMs?: number;
  /** Most events the backlog holds; past it the oldest goes first. @default 10000 */
  maxBacklogEvents?: number;
  /**
   * Most text the backlog holds, in characters of the events' JSON (about bytes for ACS's
   * ASCII events); past it the oldest goes first. Keeps a flood of large events from filling
   * the heap. @default 67108864 (64 Mi)
   */
  maxBacklogBytes?: number;
  /**
   * How long a call is remembered after its CallDisconnected, so that what comes later for it
   * ends at once instead of waiting out its timeout: `waitForEvent` naming the call rejects
   * with `CallDisconnectedError`, an operation on it settles as failed, and
   * `attachOngoingEventProcessor` keeps no handler. Independent of the backlog (`backlogTtlMs:
   * 0` keeps it); 0 turns it off. @default 60000
   */
  disconnectedCallTtlMs?: number;
  /** Most ended calls remembered (see disconnectedCallTtlMs); past it the oldest goes first. @default 10000 */
  maxDisconnectedCalls?: number;
  /** How long a CloudEvent id is remembered to drop redeliveries. @default 600000 (ten minutes) */
  dedupeTtlMs?: number;
  /** Most CloudEvent ids remembered at once; past it the oldest is forgotten. @default 100000 */
  maxDedupeIds?: number;
  /** Webhook body limit in bytes; larger bodies get 413. @default 1048576 (1 MiB) */
  maxBodyBytes?: number;
  /**
   * On shutdown: how long webhook requests in flight, then running handlers, may take before
   * the module closes anyway. @default 10000
   */
  shutdownGraceMs?: number;
  /**
   * On shutdown (`app.close()`, or SIGTERM with `app.enableShutdownHooks()`): first drain for up
   * to this long. While draining, the Event Grid route (`incomingCallPath`) answers 503, so new
   * calls go to another replica, callbacks are still accepted, and the calls in progress on this
   * replica (pending waiters and operations, ongoing and running handlers) go on; the drain ends
   * as soon as none is left. Keep it below your orchestrator's grace period (30 s by default in
   * Kubernetes and Azure Container Apps) minus `shutdownGraceMs`. @default 0 (no drain)
   */
  drainTimeoutMs?: number;
  /** JWT check of callbacks (`webhookPath`); absent = no check. */
  auth?: CallbackAuthOptions;
  /**
   * The alternative to `auth` for deployments without JWT (or an addition to it): every
   * callback to `webhookPath` must carry this secret in its query string, and
   * `CallAutomationService` appends it to the `callbackUri` it fills in.
   * @default undefined (no secret)
   */
  callbackSecret?: QuerySecretOptions;
  /** Protection of the Event Grid endpoint (`incomingCallPath`). @default undefined (unprotected) */
  incomingCallAuth?: IncomingCallAuthOptions;
  /** Scale-out across replicas; absent = in-process only. */
  redis?: CallAutomationRedisOptions;
  /**
   * Serve ACS's media-streaming and transcription WebSocket (`MediaStreamSession`,
   * `@OnMediaStream`); absent = no WebSocket route. With `auth`, the handshake's token is
   * checked as callbacks' are.
   */
  mediaStreaming?: MediaStreamingOptions;
  /**
   * Also emit every event on `@nestjs/event-emitter` as `call-automation.<Kind>` when
   * `EventEmitterModule` is imported. @default true
   */
  emitToEventEmitter?: boolean;
  /** Register the module globally. @default false */
  isGlobal?: boolean;
}

/** `auth` after defaults: the issuer and key location to use. */
export interface ResolvedCallbackAuth {
  audience: string[];
  /** Absent only with `openIdConfigurationUri` (the document's issuer is used). */
  issuer?: string;
  /** Absent only with `openIdConfigurationUri`. */
  jwksUri?: string;
  openIdConfigurationUri?: string;
  clockToleranceSec: number;
}

/** A query-string secret after defaults. */
export interface ResolvedQuerySecret {
  name: string;
  /** The accepted values; the first is the current one. */
  values: string[];
}

/** `incomingCallAuth.entra` after defaults. */
export interface ResolvedEntraAuth {
  audience: string[];
  issuers: string[];
  /** Absent when the keys are discovered from `openIdConfigurationUri`. */
  jwksUri?: string;
  openIdConfigurationUri?: string;
  requiredRoles: string[];
  allowedClientIds?: string[];
  clockToleranceSec: number;
}

export interface ResolvedIncomingCallAuth {
  secret?: ResolvedQuerySecret;
  entra?: ResolvedEntraAuth;
}

/** Options after defaults and validation: what the module's services read. */
export interface ResolvedCallAutomationOptions
  extends Omit<
    Required<CallAutomationModuleOptions>,
    | 'connectionString'
    | 'clientOptions'
    | 'client'
    | 'callbackUri'
    | 'auth'
    | 'callbackSecret'
    | 'incomingCallAuth'
    | 'redis'
    | 'mediaStreaming'
  > {
  connectionString?: string;
  clientOptions?: CallAutomationClientOptions;
  client?: CallAutomationClient;
  /** The `callbackUri` option, with the `callbackSecret` query parameter when that is set. */
  callbackUri?: string;
  auth?: ResolvedCallbackAuth;
  callbackSecret?: ResolvedQuerySecret;
  incomingCallAuth?: ResolvedIncomingCallAuth;
  redis?: ResolvedRedisOptions;
  mediaStreaming?: ResolvedMediaStreamingOptions;
}

/** `mediaStreaming` after defaults. */
export interface ResolvedMediaStreamingOptions {
  path: string;
  publicUrl?: string;
  maxMessageBytes: number;
}

/** `redis` with its defaults filled in; exactly one of url, cluster, sentinels is set. */
export type ResolvedRedisOptions = Required<
  Omit<
    CallAutomationRedisOptions,
    'url' | 'cluster' | 'sentinels' | 'name' | 'tls' | RedisCredential
  >
> &
  Pick<
    CallAutomationRedisOptions,
    'url' | 'cluster' | 'sentinels' | 'name' | 'tls' | RedisCredential
  >;

/** The `redis` options that are credentials (optional, never defaulted). */
type RedisCredential = 'username' | 'password' | 'sentinelUsername' | 'sentinelPassword';
