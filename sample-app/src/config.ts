/** The sample's settings, from the environment. Without ACS_CONNECTION_STRING it runs offline. */
export interface SampleConfig {
  port: number;
  /** Real Azure when set; otherwise the embedded ACS emulator. */
  connectionString?: string;
  /** True when the connection string is the embedded (or the cluster launcher's) emulator. */
  emulated: boolean;
  /** Public URL of this app's /api/callbacks (required with a connection string). */
  callbackUri?: string;
  /** Verify ACS's JWT on callbacks: your ACS resource id, and optional issuer / key set. */
  auth?: { audience: string; issuer?: string; jwksUri?: string };
  /** Share events between replicas. */
  redisUrl?: string;
  /** Prefix of the Redis keys the replicas share (one cluster per prefix). */
  redisKeyPrefix: string;
  /** Who "press 1 for an agent" transfers to. */
  agentPhoneNumber: string;
  /** Calls to this number get the voice menu (the caller speaks; media streaming + transcription). */
  voiceMenuPhoneNumber: string;
  /**
   * wss:// URL of this replica's /api/media as ACS reaches it (e.g. a dev tunnel): the voice
   * menu's media and transcription WebSockets connect there.
   */
  mediaPublicUrl?: string;
  /** Place demo calls on the embedded emulator every this many ms (0 = only on demand). */
  demoCallIntervalMs: number;
  /** Name shown in logs and on the status page (the cluster launcher sets A, B, ...). */
  replicaName: string;
  /** On shutdown, how long calls in progress may go on (the module's drainTimeoutMs; 0 = no drain). */
  drainTimeoutMs: number;
  /** redis.handlerClaimTimeoutMs: handlers a dead replica left run elsewhere after this long. */
  handlerClaimTimeoutMs?: number;
  /**
   * Count every @OnCallEvent run per CloudEvent id in the Redis hash `<prefix>handler-runs`
   * (the chaos test compares it with what the emulator saw answered 200). Off by default.
   */
  recordHandlerRuns: boolean;
}

export function readConfig(env: NodeJS.ProcessEnv): SampleConfig {
  const connectionString = env.ACS_CONNECTION_STRING || undefined;
  const callbackUri = env.CALLBACK_URI || undefined;
  if (connectionString && !callbackUri) {
    throw new Error(
      "ACS_CONNECTION_STRING is set but CALLBACK_URI is not: set it to the public https URL of this app's /api/callbacks (e.g. a dev tunnel).",
    );
  }
  const audience = env.ACS_RESOURCE_ID || undefined;
  return {
    port: Number(env.PORT ?? 3000),
    connectionString,
    emulated: env.ACS_EMULATED === 'true',
    callbackUri,
    auth: audience
      ? {
          audience,
          ...(env.ACS_JWT_ISSUER ? { issuer: env.ACS_JWT_ISSUER } : {}),
          ...(env.ACS_JWKS_URI ? { jwksUri: env.ACS_JWKS_URI } : {}),
        }
      : undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisKeyPrefix: env.REDIS_KEY_PREFIX || 'sample:',
    agentPhoneNumber: env.AGENT_PHONE_NUMBER ?? '+15550100200',
    voiceMenuPhoneNumber: env.VOICE_MENU_PHONE_NUMBER ?? '+18005550111',
    mediaPublicUrl: env.MEDIA_PUBLIC_URL || undefined,
    demoCallIntervalMs: Number(env.DEMO_CALL_INTERVAL_MS ?? 15_000),
    replicaName: env.REPLICA_NAME ?? 'sample',
    drainTimeoutMs: Number(env.DRAIN_TIMEOUT_MS ?? 0),
    handlerClaimTimeoutMs: env.REDIS_HANDLER_CLAIM_TIMEOUT_MS
      ? Number(env.REDIS_HANDLER_CLAIM_TIMEOUT_MS)
      : undefined,
    recordHandlerRuns: env.SAMPLE_RECORD_HANDLER_RUNS === 'true',
  };
}
