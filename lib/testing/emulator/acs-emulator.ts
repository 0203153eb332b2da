import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudEvent } from '../../events/cloud-event';
import {
  type IncomingCallEventData,
  incomingCallCloudEvent,
  incomingCallEvent,
} from '../events/event-grid-events';
import { identifierFromRawId, phoneNumber, type WireIdentifier } from '../events/wire-identifiers';
import { EmulatedCallHandle } from './call-handle';
import { CallRegistry, type EmulatedCall } from './call-state';
import { CallbackSender } from './callback-sender';
import { type CallbackTokenOptions, CallbackTokenSigner } from './callback-token-signer';
import { type DeliveryAttempt, type DeliveryFilter, DeliveryLog } from './delivery-log';
import {
  type AcsEmulatorOptions,
  type ResolvedEmulatorOptions,
  resolveEmulatorOptions,
} from './emulator-options';
import { EmulatorRuntime } from './emulator-runtime';
import { EventDispatcher } from './event-dispatcher';
import {
  type CloudEventsHandshakeResult,
  type EventGridHandshakeResult,
  validateCloudEventsEndpoint,
  validateEventGridEndpoint,
} from './event-grid-client';
import type { EventHoldFilter, HeldEvents } from './held-events';
import { IncomingCallHandle, type PlaceIncomingCallOptions } from './incoming-call-handle';
import { IncomingCallRegistry } from './incoming-call-registry';
import { type EmulatedRecording, RecordingRegistry } from './recording-registry';
import { RestRequestHandler, type RestRequestRecord } from './rest-request-handler';
import type { RestResponse } from './rest-response';
import { callConnectionHandlers } from './routes/call-connection.routes';
import { callSetupHandlers } from './routes/call-setup.routes';
import { mediaHandlers } from './routes/media.routes';
import type { OperationHandlers } from './routes/operation-handler';
import { participantHandlers } from './routes/participants.routes';
import { recordingHandlers } from './routes/recordings.routes';
import { ScenarioScript } from './scenario-script';
import { ScriptedParty } from './scripted-party';
import { TimerRegistry } from './timer-registry';

/** What the module's `auth` option needs to verify this emulator's callback tokens. */
export interface EmulatorAuth {
  audience: string;
  issuer: string;
  jwksUri: string;
}

const HANDLERS: OperationHandlers = {
  ...callSetupHandlers,
  ...callConnectionHandlers,
  ...participantHandlers,
  ...mediaHandlers,
  ...recordingHandlers,
};

interface Running {
  server: Server;
  endpoint: string;
  signer: CallbackTokenSigner;
  runtime: EmulatorRuntime;
  sender: CallbackSender;
  rest: RestRequestHandler;
}

/**
 * A local Azure Communication Services Call Automation service for tests and demos. The real
 * `CallAutomationClient` talks to it over HTTP; it keeps calls, sends signed callbacks to the
 * app, and plays the other parties of the calls as scripted.
 *
 * ```ts
 * const emulator = await new AcsEmulator().start();
 * const client = new CallAutomationClient(emulator.connectionString, { allowInsecureConnection: true });
 * emulator.script.nextOperation('play', { fail: 'fileNotFound' });
 * const incoming = await emulator.placeIncomingCall({ url: appIncomingCallUrl, caller: { dtmf: '1' } });
 * const call = await incoming.waitForAnswer();
 * await call.hangUp();
 * await emulator.stop();
 * ```
 */
export class AcsEmulator {
  /** What the service and the parties do: failures, delays, duplicates, party behaviour. */
  readonly script = new ScenarioScript();

  private readonly options: ResolvedEmulatorOptions;
  private readonly timers = new TimerRegistry();
  private readonly log = new DeliveryLog();
  private readonly callRegistry = new CallRegistry();
  private readonly incomingCalls = new IncomingCallRegistry();
  private readonly recordings = new RecordingRegistry();
  private running: Running | undefined;
  /** Kept after stop, so calls and requests can still be inspected. */
  private inspected: Pick<Running, 'runtime' | 'rest'> | undefined;
  private stopped = false;

  constructor(options: AcsEmulatorOptions = {}) {
    this.options = resolveEmulatorOptions(options);
  }

  /** Listens (on a free port unless `port` is given) and makes the signing key. */
  async start(): Promise<this> {
    if (this.running) return this;
    if (this.stopped)
      throw new Error('A stopped AcsEmulator cannot start again; create a new one.');
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    const endpoint = `http://${host}:${port}/`;
    const signer = await CallbackTokenSigner.create(endpoint.slice(0, -1), this.options.resourceId);
    const sender = new CallbackSender(this.log, this.timers, {
      retries: this.options.callbackRetries,
      retryDelayMs: this.options.callbackRetryDelayMs,
      timeoutMs: this.options.callbackTimeoutMs,
    });
    const dispatcher = new EventDispatcher(sender, signer, this.timers, (event) =>
      this.delayBefore(event),
    );
    const runtime = new EmulatorRuntime(
      this.options,
      this.timers,
      dispatcher,
      this.script,
      this.callRegistry,
      this.incomingCalls,
      this.recordings,
    );
    const rest = new RestRequestHandler(
      runtime,
      HANDLERS,
      Buffer.from(this.options.accessKey, 'base64'),
      (path) => this.publicDocument(path),
    );
    server.on('request', (request, response) => {
      void rest.handle(request, response);
    });
    this.running = { server, endpoint, signer, runtime, sender, rest };
    this.inspected = { runtime, rest };
    return this;
  }

  /**
   * Stops everything: closes the server and its connections, cancels pending events and
   * timers, aborts deliveries in flight, rejects pending waits.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const running = this.running;
    this.running = undefined;
    this.timers.stopAll();
    this.log.stop();
    if (!running) return;
    running.sender.abortAll();
    const closed = new Promise<void>((resolve) => running.server.close(() => resolve()));
    running.server.closeAllConnections();
    await Promise.all([closed, running.runtime.dispatcher.drained()]);
  }

  /** `http://127.0.0.1:PORT/` */
  get endpoint(): string {
    return this.require().endpoint;
  }

  /** `endpoint=http://127.0.0.1:PORT/;accesskey=...`, for `new CallAutomationClient(...)`. */
  get connectionString(): string {
    return `endpoint=${this.endpoint};accesskey=${this.options.accessKey}`;
  }

  get accessKey(): string {
    return this.options.accessKey;
  }

  /** The emulated resource's id: the audience of callback tokens. */
  get resourceId(): string {
    return this.options.resourceId;
  }

  /** The OpenID configuration document (its `issuer` and `jwks_uri`). */
  get openIdConfigurationUri(): string {
    return `${this.endpoint}calling/.well-known/acsopenidconfiguration`;
  }

  /** Ready for the module's `auth` option: `{ audience, issuer, jwksUri }`. */
  get auth(): EmulatorAuth {
    const { signer, endpoint } = this.require();
    return { audience: signer.audience, issuer: signer.issuer, jwksUri: `${endpoint}calling/keys` };
  }

  /** Every callback and Event Grid delivery attempt so far, in order. */
  get deliveries(): readonly DeliveryAttempt[] {
    return this.log.all;
  }

  /** Every REST request answered so far, in order. */
  get requests(): readonly RestRequestRecord[] {
    return this.inspected?.rest.requests ?? [];
  }

  /** The call connection with this id; throws when there is none. */
  call(callConnectionId: string): EmulatedCallHandle {
    const call = this.callRegistry.get(callConnectionId);
    if (!call) throw new Error(`No call connection ${callConnectionId} in the emulator.`);
    return this.handleOf(call);
  }

  /** Every call connection so far (ended ones too), oldest first. */
  get calls(): EmulatedCallHandle[] {
    return this.callRegistry.all().map((call) => this.handleOf(call));
  }

  /**
   * The first call connection (existing or coming) that `predicate` accepts; by default any
   * call. Rejects after `timeoutMs`.
   */
  waitForCall(
    predicate: (call: EmulatedCallHandle) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<EmulatedCallHandle> {
    const existing = this.calls.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`No matching call connection within ${timeoutMs} ms.`));
      }, timeoutMs);
      timer.unref();
      const stop = this.callRegistry.onCreated((call) => {
        const handle = this.handleOf(call);
        if (!predicate(handle)) return;
        clearTimeout(timer);
        stop();
        resolve(handle);
      });
    });
  }

  /** The first delivery attempt (made, or coming) that matches; rejects after `timeoutMs`. */
  waitForDelivery(filter: DeliveryFilter, timeoutMs = 5_000): Promise<DeliveryAttempt> {
    return this.log.waitFor(filter, timeoutMs);
  }

  /**
   * Holds back callback events that match `filter` (all when none given) until you release or
   * discard them, e.g. to deliver them in another order.
   */
  holdEvents(filter: EventHoldFilter = {}): HeldEvents {
    return this.require().runtime.dispatcher.hold(filter);
  }

  /**
   * A call comes in: posts `Microsoft.Communication.IncomingCall` (Event Grid schema by
   * default, header `aeg-event-type: Notification`) to `url`. Its `incomingCallContext` is
   * accepted by answerCall, redirectCall and rejectCall; once answered, the caller behaves as
   * `caller` scripts.
   */
  async placeIncomingCall(options: PlaceIncomingCallOptions): Promise<IncomingCallHandle> {
    const { sender } = this.require();
    const from = toIdentifier(options.from ?? '+15550100100');
    const to = toIdentifier(options.to ?? this.options.phoneNumber);
    const record = this.incomingCalls.issue({
      serverCallId: Buffer.from(`https://emulator.local/conv/${randomUUID()}`).toString('base64'),
      correlationId: randomUUID(),
      from,
      to,
      caller: options.caller ? new ScriptedParty(options.caller) : undefined,
    });
    const data: IncomingCallEventData = {
      to,
      from,
      serverCallId: record.serverCallId,
      callerDisplayName: options.callerDisplayName ?? '',
      incomingCallContext: record.incomingCallContext,
      correlationId: record.correlationId,
      customContext: options.customContext ?? { sipHeaders: {}, voipHeaders: {} },
    };
    const headers = {
      'aeg-event-type': 'Notification',
      'aeg-subscription-name': 'ACS-EMULATOR-INCOMING-CALL',
      'aeg-delivery-count': '0',
      'aeg-data-version': '1.0',
      'aeg-metadata-version': '1',
      ...options.headers,
    };
    let delivery: DeliveryAttempt;
    let event: IncomingCallHandle['event'];
    if (options.schema === 'cloudEvents') {
      const cloudEvent = incomingCallCloudEvent(data);
      event = cloudEvent;
      delivery = await sender.deliver({
        url: options.url,
        event: cloudEvent,
        body: cloudEvent,
        headers: { ...headers, origin: 'eventgrid.azure.net' },
        contentType: 'application/cloudevents+json; charset=utf-8',
      });
    } else {
      const gridEvent = incomingCallEvent(data);
      event = gridEvent;
      delivery = await sender.deliver({
        url: options.url,
        event: gridEvent,
        body: [gridEvent],
        headers,
      });
    }
    return new IncomingCallHandle(
      record,
      this.incomingCalls,
      (id) => this.call(id),
      event,
      delivery,
    );
  }

  /**
   * The Event Grid-schema subscription handshake against `url`: returns what the app answered
   * and whether Event Grid would accept it.
   */
  validateEventGridSubscription(
    url: string,
    options: { validationCode?: string; headers?: Record<string, string> } = {},
  ): Promise<EventGridHandshakeResult> {
    return validateEventGridEndpoint(url, {
      ...options,
      timeoutMs: this.options.callbackTimeoutMs,
    });
  }

  /** The CloudEvents-schema handshake (OPTIONS with `WebHook-Request-Origin`) against `url`. */
  validateCloudEventsSubscription(
    url: string,
    options: { origin?: string; requestRate?: number; headers?: Record<string, string> } = {},
  ): Promise<CloudEventsHandshakeResult> {
    return validateCloudEventsEndpoint(url, {
      ...options,
      timeoutMs: this.options.callbackTimeoutMs,
    });
  }

  /**
   * Posts any event (from the factories, say) to `url` as a callback: `[event]` with a fresh
   * bearer token, retried like callbacks. Resolves with the last attempt.
   */
  sendEvent(
    url: string,
    event: CloudEvent,
    options: { duplicate?: boolean } = {},
  ): Promise<DeliveryAttempt> {
    return this.require().runtime.dispatcher.deliverNow({
      url,
      event,
      duplicate: options.duplicate ?? false,
    });
  }

  /**
   * A callback token as the emulator signs them, changed as asked: expired, wrong audience,
   * signed with a key the JWKS does not publish, unsigned...
   */
  signToken(options?: CallbackTokenOptions): Promise<string> {
    return this.require().signer.sign(options);
  }

  /** A recording that was started and not stopped (a snapshot), or undefined. */
  recording(recordingId: string): Readonly<EmulatedRecording> | undefined {
    const recording = this.recordings.get(recordingId);
    return recording && { ...recording };
  }

  private require(): Running {
    if (!this.running) {
      throw new Error(
        this.stopped ? 'The AcsEmulator is stopped.' : 'Call `await emulator.start()` first.',
      );
    }
    return this.running;
  }

  private handleOf(call: EmulatedCall): EmulatedCallHandle {
    const runtime = this.inspected?.runtime;
    if (!runtime) throw new Error('Call `await emulator.start()` first.');
    return new EmulatedCallHandle(runtime, call);
  }

  private delayBefore(event: CloudEvent): number {
    const kind = event.type.replace(
      /^Microsoft\.Communication\./,
      '',
    ) as keyof ResolvedEmulatorOptions['eventDelays'];
    return this.options.eventDelays[kind] ?? this.options.eventDelayMs;
  }

  /** The OpenID configuration and the JWKS, served without authentication like ACS's. */
  private publicDocument(pathname: string): RestResponse | undefined {
    const running = this.running;
    if (!running) return undefined;
    if (pathname === '/calling/keys') return { status: 200, body: running.signer.keySet() };
    if (pathname === '/calling/.well-known/acsopenidconfiguration') {
      return {
        status: 200,
        body: {
          issuer: running.signer.issuer,
          jwks_uri: `${running.endpoint}calling/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
          response_types_supported: ['id_token'],
          subject_types_supported: ['public'],
        },
      };
    }
    return undefined;
  }
}

/** `'+1555…'` is a phone number; anything else a raw id; identifiers pass through. */
function toIdentifier(value: string | WireIdentifier): WireIdentifier {
  if (typeof value !== 'string') return value;
  return value.startsWith('+') ? phoneNumber(value) : identifierFromRawId(value);
}
