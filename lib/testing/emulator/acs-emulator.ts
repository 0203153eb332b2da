import type { CloudEvent } from '../library-types';
import { EmulatedCallHandle } from './call-handle';
import { CallRegistry, type EmulatedCall } from './call-state';
import type { CallbackTokenOptions } from './callback-token-signer';
import { type DeliveryAttempt, type DeliveryFilter, DeliveryLog } from './delivery-log';
import { type AcsEmulatorOptions, resolveEmulatorOptions } from './emulator-options';
import { EmulatorServer, type EmulatorState } from './emulator-server';
import {
  type CloudEventsHandshakeResult,
  type EventGridHandshakeResult,
  validateCloudEventsEndpoint,
  validateEventGridEndpoint,
} from './event-grid-client';
import type { EventHoldFilter, HeldEvents } from './held-events';
import { IncomingCallAnnouncer } from './incoming-call-announcer';
import type { IncomingCallHandle, PlaceIncomingCallOptions } from './incoming-call-handle';
import { IncomingCallRegistry } from './incoming-call-registry';
import { type EmulatorAuth, OpenIdDocuments } from './openid-documents';
import { type EmulatedRecording, RecordingRegistry } from './recording-registry';
import type { RestRequestRecord } from './rest-request-handler';
import { ScenarioScript } from './scenario-script';
import type { EmulatedMediaStream } from './streaming/emulated-media-stream';
import { TimerRegistry } from './timer-registry';

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

  private readonly state: EmulatorState;
  private server: EmulatorServer | undefined;
  /** Kept after stop, so calls and requests can still be inspected. */
  private inspected: EmulatorServer | undefined;
  private stopped = false;

  constructor(options: AcsEmulatorOptions = {}) {
    this.state = {
      options: resolveEmulatorOptions(options),
      script: this.script,
      timers: new TimerRegistry(),
      log: new DeliveryLog(),
      calls: new CallRegistry(),
      incomingCalls: new IncomingCallRegistry(),
      recordings: new RecordingRegistry(),
    };
  }

  /** Listens (on a free port unless `port` is given) and makes the signing key. */
  async start(): Promise<this> {
    if (this.server) return this;
    if (this.stopped)
      throw new Error('A stopped AcsEmulator cannot start again; create a new one.');
    this.server = await EmulatorServer.start(this.state);
    this.inspected = this.server;
    return this;
  }

  /**
   * Stops everything: closes the server and its connections, cancels pending events and
   * timers, aborts deliveries in flight, rejects pending waits.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const server = this.server;
    this.server = undefined;
    this.state.timers.stopAll();
    this.state.log.stop();
    // Going away (1001): the app sees its media sockets end with the service.
    for (const call of this.state.calls.all()) {
      for (const stream of call.streams) stream.close(1001, 'emulator stopped');
    }
    await server?.stop();
  }

  /** `http://127.0.0.1:PORT/` */
  get endpoint(): string {
    return this.require().endpoint;
  }

  /** `endpoint=http://127.0.0.1:PORT/;accesskey=...`, for `new CallAutomationClient(...)`. */
  get connectionString(): string {
    return `endpoint=${this.endpoint};accesskey=${this.state.options.accessKey}`;
  }

  get accessKey(): string {
    return this.state.options.accessKey;
  }

  /** The emulated resource's id: the audience of callback tokens. */
  get resourceId(): string {
    return this.state.options.resourceId;
  }

  /** The OpenID configuration document (its `issuer` and `jwks_uri`). */
  get openIdConfigurationUri(): string {
    return OpenIdDocuments.configurationUri(this.endpoint);
  }

  /** Ready for the module's `auth` option: `{ audience, issuer, jwksUri }`. */
  get auth(): EmulatorAuth {
    return this.require().openId.auth;
  }

  /** Every callback and Event Grid delivery attempt so far, in order. */
  get deliveries(): readonly DeliveryAttempt[] {
    return this.state.log.all;
  }

  /** Every REST request answered so far, in order. */
  get requests(): readonly RestRequestRecord[] {
    return this.inspected?.rest.requests ?? [];
  }

  /** The call connection with this id; throws when there is none. */
  call(callConnectionId: string): EmulatedCallHandle {
    const call = this.state.calls.get(callConnectionId);
    if (!call) throw new Error(`No call connection ${callConnectionId} in the emulator.`);
    return this.handleOf(call);
  }

  /**
   * The newest media streaming WebSocket of a call (shorthand of `call(id).mediaStream`);
   * throws when ACS opened none yet. Use `call(id).waitForMediaStream()` to wait for one.
   */
  mediaStream(callConnectionId: string): EmulatedMediaStream {
    const stream = this.call(callConnectionId).mediaStream;
    if (!stream) throw new Error(`Call ${callConnectionId} has no media stream (yet).`);
    return stream;
  }

  /** The newest live transcription WebSocket of a call; throws when ACS opened none yet. */
  transcriptionStream(callConnectionId: string): EmulatedMediaStream {
    const stream = this.call(callConnectionId).transcriptionStream;
    if (!stream) throw new Error(`Call ${callConnectionId} has no transcription stream (yet).`);
    return stream;
  }

  /** Every call connection so far (ended ones too), oldest first. */
  get calls(): EmulatedCallHandle[] {
    return this.state.calls.all().map((call) => this.handleOf(call));
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
      const stop = this.state.calls.onCreated((call) => {
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
    return this.state.log.waitFor(filter, timeoutMs);
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
  placeIncomingCall(options: PlaceIncomingCallOptions): Promise<IncomingCallHandle> {
    const { sender } = this.require();
    const announcer = new IncomingCallAnnouncer(
      sender,
      this.state.incomingCalls,
      this.state.options.phoneNumber,
      (id) => this.call(id),
    );
    return announcer.announce(options);
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
      timeoutMs: this.state.options.callbackTimeoutMs,
    });
  }

  /** The CloudEvents-schema handshake (OPTIONS with `WebHook-Request-Origin`) against `url`. */
  validateCloudEventsSubscription(
    url: string,
    options: { origin?: string; requestRate?: number; headers?: Record<string, string> } = {},
  ): Promise<CloudEventsHandshakeResult> {
    return validateCloudEventsEndpoint(url, {
      ...options,
      timeoutMs: this.state.options.callbackTimeoutMs,
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
    const recording = this.state.recordings.get(recordingId);
    return recording && { ...recording };
  }

  private require(): EmulatorServer {
    if (!this.server) {
      throw new Error(
        this.stopped ? 'The AcsEmulator is stopped.' : 'Call `await emulator.start()` first.',
      );
    }
    return this.server;
  }

  private handleOf(call: EmulatedCall): EmulatedCallHandle {
    const runtime = this.inspected?.runtime;
    if (!runtime) throw new Error('Call `await emulator.start()` first.');
    return new EmulatedCallHandle(runtime, call);
  }
}
