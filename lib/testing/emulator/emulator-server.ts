import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CALL_AUTOMATION_TYPE_PREFIX } from '../events/cloud-event-envelope';
import type { CloudEvent } from '../library-types';
import type { CallRegistry } from './call-state';
import { CallbackSender } from './callback-sender';
import { CallbackTokenSigner } from './callback-token-signer';
import type { DeliveryLog } from './delivery-log';
import type { ResolvedEmulatorOptions } from './emulator-options';
import { EmulatorRuntime } from './emulator-runtime';
import { EventDispatcher } from './event-dispatcher';
import type { IncomingCallRegistry } from './incoming-call-registry';
import { OpenIdDocuments } from './openid-documents';
import type { RecordingRegistry } from './recording-registry';
import { RestRequestHandler } from './rest-request-handler';
import { callConnectionHandlers } from './routes/call-connection.routes';
import { callSetupHandlers } from './routes/call-setup.routes';
import { mediaHandlers } from './routes/media.routes';
import type { OperationHandlers } from './routes/operation-handler';
import { participantHandlers } from './routes/participants.routes';
import { recordingHandlers } from './routes/recordings.routes';
import type { ScenarioScript } from './scenario-script';
import type { TimerRegistry } from './timer-registry';

const HANDLERS: OperationHandlers = {
  ...callSetupHandlers,
  ...callConnectionHandlers,
  ...participantHandlers,
  ...mediaHandlers,
  ...recordingHandlers,
};

/** The state an emulator keeps across start and stop (calls stay inspectable after stop). */
export interface EmulatorState {
  options: ResolvedEmulatorOptions;
  script: ScenarioScript;
  timers: TimerRegistry;
  log: DeliveryLog;
  calls: CallRegistry;
  incomingCalls: IncomingCallRegistry;
  recordings: RecordingRegistry;
}

/**
 * The listening HTTP server and what it serves: the REST API (HMAC-checked), the OpenID
 * documents, and the callback machinery (signer, sender, dispatcher) its operations use.
 */
export class EmulatorServer {
  private constructor(
    private readonly server: Server,
    /** `http://HOST:PORT/` */
    readonly endpoint: string,
    readonly signer: CallbackTokenSigner,
    readonly openId: OpenIdDocuments,
    readonly runtime: EmulatorRuntime,
    readonly sender: CallbackSender,
    readonly rest: RestRequestHandler,
  ) {}

  /** Listens (on a free port unless `options.port` is given) and makes the signing key. */
  static async start(state: EmulatorState): Promise<EmulatorServer> {
    const { options } = state;
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    const endpoint = `http://${host}:${port}/`;
    const signer = await CallbackTokenSigner.create(endpoint.slice(0, -1), options.resourceId);
    const openId = new OpenIdDocuments(endpoint, signer);
    const sender = new CallbackSender(state.log, state.timers, {
      retries: options.callbackRetries,
      retryDelayMs: options.callbackRetryDelayMs,
      timeoutMs: options.callbackTimeoutMs,
    });
    const dispatcher = new EventDispatcher(sender, signer, state.timers, (event) =>
      delayBefore(options, event),
    );
    const runtime = new EmulatorRuntime(
      options,
      state.timers,
      dispatcher,
      state.script,
      state.calls,
      state.incomingCalls,
      state.recordings,
      signer,
    );
    const rest = new RestRequestHandler(
      runtime,
      HANDLERS,
      Buffer.from(options.accessKey, 'base64'),
      (path) => openId.serve(path),
    );
    server.on('request', (request, response) => {
      void rest.handle(request, response);
    });
    return new EmulatorServer(server, endpoint, signer, openId, runtime, sender, rest);
  }

  /**
   * Aborts deliveries in flight, closes the server and its connections, and waits for the
   * event queues to drain (the caller stops the timers first, so nothing new is queued).
   */
  async stop(): Promise<void> {
    this.sender.abortAll();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await Promise.all([closed, this.runtime.dispatcher.drained()]);
  }
}

/** The wait before an event: its kind's delay, else the emulator's event delay. */
function delayBefore(options: ResolvedEmulatorOptions, event: CloudEvent): number {
  const kind = (
    event.type.startsWith(CALL_AUTOMATION_TYPE_PREFIX)
      ? event.type.slice(CALL_AUTOMATION_TYPE_PREFIX.length)
      : event.type
  ) as keyof ResolvedEmulatorOptions['eventDelays'];
  return options.eventDelays[kind] ?? options.eventDelayMs;
}
