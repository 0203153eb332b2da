import { randomBytes, randomUUID } from 'node:crypto';
import type { CallAutomationEventKind } from '../events/call-events';

/** Options of `new AcsEmulator(options)`; every one has a default. */
export interface AcsEmulatorOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port; 0 picks a free one. @default 0 */
  port?: number;
  /** The access key of the connection string (base64). @default 32 random bytes */
  accessKey?: string;
  /** The resource id: the `aud` of callback tokens. @default a random UUID */
  resourceId?: string;
  /** Wait before each callback event. @default 20 */
  eventDelayMs?: number;
  /** Wait before events of a kind, e.g. `{ PlayCompleted: 200 }`; wins over `eventDelayMs`. */
  eventDelays?: Partial<Record<CallAutomationEventKind, number>>;
  /** How long a play runs between PlayStarted and PlayCompleted. @default 30 */
  mediaDurationMs?: number;
  /**
   * Interval between AudioData frames on a media stream; real ACS sends one every 20 ms. Lower
   * it for fast tests. @default 20
   */
  audioFrameIntervalMs?: number;
  /**
   * Frame ticks a media stream sends before it goes quiet (the socket stays open): each tick is
   * one AudioData (one per participant when unmixed). @default Infinity (the call's life)
   */
  audioFrameLimit?: number;
  /** Wait before each TranscriptionData result of scripted speech. @default 20 */
  transcriptStepMs?: number;
  /**
   * Messages from the app kept per WebSocket (`received`, `outboundAudio`); later ones are only
   * counted, so a load test's echo cannot fill the memory. @default 10000
   */
  streamRecordLimit?: number;
  /** Retries of a callback that got a 5xx or a network error. @default 3 */
  callbackRetries?: number;
  /** Wait before the first retry; doubles for each further one. @default 50 */
  callbackRetryDelayMs?: number;
  /** How long a callback waits for the app's answer. @default 10000 */
  callbackTimeoutMs?: number;
  /** Largest request body accepted. @default 1 MiB */
  maxBodyBytes?: number;
  /** The number callers dial (`to` of incoming calls). @default '+18005550100' */
  phoneNumber?: string;
  /**
   * The raw id of the app's own identity (its bot), which real ACS lists among a call's
   * participants. createCall with a `source` identity uses that one instead.
   * @default `8:acs:<resourceId>_<random UUID>`
   */
  applicationId?: string;
  /**
   * Extra ParticipantsUpdated events, identical lists with new ids and sequence numbers, after
   * each one: real ACS sends such repeats (ten and more in some recorded calls), so a "someone
   * joined" handler can run many times in production. Set it to test handlers for
   * idempotency. @default 0
   */
  participantsUpdatedRepeats?: number;
  /** Receives one line per request and delivery, for debugging. @default none */
  log?: (line: string) => void;
}

export type ResolvedEmulatorOptions = Required<Omit<AcsEmulatorOptions, 'log'>> &
  Pick<AcsEmulatorOptions, 'log'>;

export function resolveEmulatorOptions(options: AcsEmulatorOptions = {}): ResolvedEmulatorOptions {
  const resourceId = options.resourceId ?? randomUUID();
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    accessKey: options.accessKey ?? randomBytes(32).toString('base64'),
    resourceId,
    eventDelayMs: options.eventDelayMs ?? 20,
    eventDelays: options.eventDelays ?? {},
    mediaDurationMs: options.mediaDurationMs ?? 30,
    audioFrameIntervalMs: options.audioFrameIntervalMs ?? 20,
    audioFrameLimit: options.audioFrameLimit ?? Number.POSITIVE_INFINITY,
    transcriptStepMs: options.transcriptStepMs ?? 20,
    streamRecordLimit: options.streamRecordLimit ?? 10_000,
    callbackRetries: options.callbackRetries ?? 3,
    callbackRetryDelayMs: options.callbackRetryDelayMs ?? 50,
    callbackTimeoutMs: options.callbackTimeoutMs ?? 10_000,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    phoneNumber: options.phoneNumber ?? '+18005550100',
    applicationId: options.applicationId ?? `8:acs:${resourceId}_${randomUUID()}`,
    participantsUpdatedRepeats: options.participantsUpdatedRepeats ?? 0,
    log: options.log,
  };
}
