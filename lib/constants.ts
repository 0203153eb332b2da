/** Injection token of the resolved (validated, defaulted) module options. */
export const CALL_AUTOMATION_OPTIONS = Symbol('CALL_AUTOMATION_OPTIONS');
/** Injection token of the event bus (in-process, or Redis when `redis` is set). */
export const CALL_EVENT_BUS = Symbol('CALL_EVENT_BUS');
/** Metadata key of `@OnCallEvent`. */
export const ON_CALL_EVENT_METADATA = 'nestjs-call-automation:on-call-event';
/** Prefix of the `@nestjs/event-emitter` event names: `call-automation.PlayCompleted`. */
export const EVENT_EMITTER_PREFIX = 'call-automation.';

export const DEFAULT_WEBHOOK_PATH = 'api/callbacks';
export const DEFAULT_INCOMING_CALL_PATH = 'api/incomingCall';
export const DEFAULT_MEDIA_STREAMING_PATH = 'api/media';
export const DEFAULT_MAX_MEDIA_MESSAGE_BYTES = 1024 * 1024;
/** Inbound AudioData frames a session holds for `audio()` (10 s of 20 ms frames); past it the oldest go. */
export const MAX_QUEUED_INBOUND_FRAMES = 500;
/** Outbound audio bytes a session queues beyond what the socket holds; past it `sendAudio` rejects. */
export const MAX_QUEUED_OUTBOUND_BYTES = 1024 * 1024;
/** The socket's own buffer (ws bufferedAmount) above which queued outbound audio waits. */
export const OUTBOUND_HIGH_WATER_BYTES = 256 * 1024;
export const DEFAULT_TIMEOUT_MS = 240_000;
export const DEFAULT_BACKLOG_TTL_MS = 5_000;
export const DEFAULT_MAX_BACKLOG_EVENTS = 10_000;
export const DEFAULT_MAX_BACKLOG_BYTES = 64 * 1024 * 1024;
export const DEFAULT_DISCONNECTED_CALL_TTL_MS = 60_000;
export const DEFAULT_MAX_DISCONNECTED_CALLS = 10_000;
export const DEFAULT_DEDUPE_TTL_MS = 600_000;
export const DEFAULT_MAX_DEDUPE_IDS = 100_000;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_ACS_ISSUER = 'https://acscallautomation.communication.azure.com';
export const DEFAULT_ACS_JWKS_URI =
  'https://acscallautomation.communication.azure.com/calling/keys';
export const MAX_CLOCK_TOLERANCE_SEC = 60;
export const DEFAULT_REDIS_KEY_PREFIX = 'acs:';
export const DEFAULT_REDIS_HANDLER_CLAIM_TIMEOUT_MS = 30_000;
export const DEFAULT_REDIS_MAX_STREAM_BYTES = 64 * 1024 * 1024;
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
/** Metadata key of `@OnMediaStream`. */
export const ON_MEDIA_STREAM_METADATA = 'nestjs-call-automation:on-media-stream';
