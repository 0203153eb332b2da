import type {
  CallAutomationClient,
  CallAutomationClientOptions,
} from '@azure/communication-call-automation';

/** JWT check of mid-call callbacks (ACS signs each with RS256). */
export interface CallbackAuthOptions {
  /** Your ACS resource's immutable resource id; one id or a list. */
  audience: string | string[];
  /** @default 'https://acscallautomation.communication.azure.com' */
  issuer?: string;
  /** @default 'https://acscallautomation.communication.azure.com/calling/keys' */
  jwksUri?: string;
  /** Accepted clock difference for `exp`/`nbf`, at most 60. @default 60 */
  clockToleranceSec?: number;
}

/** Scale-out across replicas: Redis carries events between them. */
export interface CallAutomationRedisOptions {
  /** e.g. `redis://127.0.0.1:6379/0` */
  url: string;
  /** Prefix of every key and stream this module writes. @default 'acs:' */
  keyPrefix?: string;
}

export interface CallAutomationModuleOptions {
  /** ACS connection string (`endpoint=...;accesskey=...`): the module builds the SDK client. */
  connectionString?: string;
  /** Passed to the SDK client (e.g. `allowInsecureConnection` for a local emulator). */
  clientOptions?: CallAutomationClientOptions;
  /** A ready SDK client (e.g. built from an endpoint and a TokenCredential); wins over `connectionString`. */
  client?: CallAutomationClient;
  /** Public URL ACS posts callbacks to; the default for every operation. */
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
  /** How long a CloudEvent id is remembered to drop redeliveries. @default 600000 (ten minutes) */
  dedupeTtlMs?: number;
  /**
   * Most CloudEvent ids remembered at once; past it the oldest is forgotten. The in-process
   * store takes about 40 bytes per id, allocated once at start-up (4 MB at the default).
   * @default 100000
   */
  maxDedupeIds?: number;
  /** Webhook body limit in bytes; larger bodies get 413. @default 1048576 (1 MiB) */
  maxBodyBytes?: number;
  /** JWT check of callbacks; absent = no check. */
  auth?: CallbackAuthOptions;
  /** Scale-out across replicas; absent = in-process only. */
  redis?: CallAutomationRedisOptions;
  /**
   * Also emit every event on `@nestjs/event-emitter` as `call-automation.<Kind>` when
   * `EventEmitterModule` is imported. @default true
   */
  emitToEventEmitter?: boolean;
  /** Register the module globally. @default false */
  isGlobal?: boolean;
}

/** Options after defaults and validation: what the module's services read. */
export interface ResolvedCallAutomationOptions
  extends Omit<
    Required<CallAutomationModuleOptions>,
    'connectionString' | 'clientOptions' | 'client' | 'callbackUri' | 'auth' | 'redis'
  > {
  connectionString?: string;
  clientOptions?: CallAutomationClientOptions;
  client?: CallAutomationClient;
  callbackUri?: string;
  auth?: Required<CallbackAuthOptions> & { audience: string[] };
  redis?: Required<CallAutomationRedisOptions>;
}
