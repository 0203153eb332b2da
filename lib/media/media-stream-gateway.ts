import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { MODULE_PATH } from '@nestjs/common/constants.js';
import { HttpAdapterHost, ModuleRef, ModulesContainer } from '@nestjs/core';
import { type WebSocket, WebSocketServer } from 'ws';
import { CALL_AUTOMATION_OPTIONS } from '../constants';
import { MediaStreamHandlersExplorer } from '../discovery/media-stream-handlers.explorer';
import { MediaStreamClosedError } from '../errors/media-stream-closed.error';
import type { MediaCallEvent } from '../events/media-call-events';
import type {
  ResolvedCallAutomationOptions,
  ResolvedMediaStreamingOptions,
} from '../options/call-automation-options.interface';
import { EventProcessorService } from '../processor/event-processor.service';
import { IsolatedHandlerRunner } from '../processor/isolated-handler-runner';
import { RefusalLog } from '../webhook/refusal-log';
import { WebhookReceiver } from '../webhook/webhook.receiver';
import { WEBHOOK_HOST_MODULE } from '../webhook/webhook-body-reader.installer';
import { applicationConfigOf } from '../webhook/webhook-routes';
import { refuseHandshake } from './handshake-refusal';
import { mediaCloudEvent } from './media-cloud-event';
import { resolveMediaRoutePaths, upgradePathOf } from './media-route';
import { MediaSessionRegistry } from './media-session-registry';
import type { MediaStreamSession } from './media-stream-session';
import { type MediaSessionHooks, WebSocketMediaSession } from './websocket-media-session';

/**
 * The media WebSocket route (`mediaStreaming`) on the app's own HTTP server, Express or
 * Fastify: an 'upgrade' listener that takes only the route's exact paths (global prefix
 * included) and leaves every other upgrade to the app's own gateways. With `auth`, the
 * handshake's bearer token is checked by the callbacks' verifier BEFORE the WebSocket is
 * accepted (401, or 503 when the keys cannot be had); nothing of a refused handshake reaches
 * the app. Each accepted socket becomes a session: `@OnMediaStream` methods get it, waiters of
 * `waitForMediaStream` too, and its TranscriptionData / DtmfData go to the processor as call
 * events.
 */
@Injectable()
export class MediaStreamGateway implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('CallAutomation');
  private readonly malformedLog = new RefusalLog(this.logger);
  /** @OnMediaStream methods run here: errors logged as handlers' are, apart from `whenIdle`. */
  private readonly runner = new IsolatedHandlerRunner(this.logger);
  private readonly hooks: MediaSessionHooks = {
    identified: (session) => this.identified(session),
    callEvent: (event) => this.publish(event),
    malformed: (session, reason) =>
      this.malformedLog.report(
        `Dropped a media stream message of call ${session.callConnectionId || '(not known yet)'}: ${reason}.`,
      ),
    closed: (session) => this.registry.closed(session),
  };
  private wss: WebSocketServer | undefined;
  private detach: () => void = () => {};

  constructor(
    @Inject(CALL_AUTOMATION_OPTIONS) private readonly options: ResolvedCallAutomationOptions,
    @Inject(WEBHOOK_HOST_MODULE) private readonly hostModule: object,
    private readonly adapterHost: HttpAdapterHost,
    private readonly moduleRef: ModuleRef,
    private readonly modules: ModulesContainer,
    private readonly receiver: WebhookReceiver,
    private readonly processor: EventProcessorService,
    private readonly registry: MediaSessionRegistry,
    private readonly handlers: MediaStreamHandlersExplorer,
  ) {}

  onModuleInit(): void {
    const media = this.options.mediaStreaming;
    const adapter = this.adapterHost.httpAdapter;
    if (media === undefined || !adapter) return;
    const server = adapter.getHttpServer() as Server | undefined;
    if (typeof server?.on !== 'function') {
      this.logger.warn(
        'mediaStreaming: the HTTP adapter has no Node HTTP server to serve the media WebSocket on.',
      );
      return;
    }
    this.install(server, media);
  }

  onApplicationShutdown(): void {
    this.detach();
    this.wss?.close();
  }

  private install(server: Server, media: ResolvedMediaStreamingOptions): void {
    const paths = this.paths(media.path);
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: media.maxMessageBytes,
      // ACS sends uncompressed JSON; compression would cost CPU per frame for nothing.
      perMessageDeflate: false,
    });
    this.wss = wss;
    const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!paths.has(upgradePathOf(request.url))) {
        // Another route: the app's own gateway takes it. With no other listener, Node would
        // have served it as a plain request (404 for a path with no WebSocket): so do we,
        // rather than leave the socket hanging.
        if (server.listenerCount('upgrade') === 1) {
          refuseHandshake(socket, 404, 'No WebSocket route at this path.');
        }
        return;
      }
      void this.handshake(wss, request, socket, head);
    };
    server.on('upgrade', onUpgrade);
    this.detach = () => server.off('upgrade', onUpgrade);
    this.logger.log(`Media streaming WebSocket route at ${[...paths].join(', ')}`);
  }

  private async handshake(
    wss: WebSocketServer,
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): Promise<void> {
    // The peer may go away while its token is checked (ws takes over errors once upgraded).
    const onError = () => socket.destroy();
    socket.on('error', onError);
    try {
      if (this.registry.isShutDown) {
        refuseHandshake(socket, 503, 'The application is shutting down; connect again later.');
        return;
      }
      const refusal = await this.receiver.refusalOfMediaHandshake(request);
      if (refusal !== undefined) {
        const body = refusal.getResponse() as { message?: string };
        refuseHandshake(socket, refusal.getStatus(), body.message ?? 'Refused.');
        return;
      }
      if (this.registry.isShutDown) {
        refuseHandshake(socket, 503, 'The application is shutting down; connect again later.');
        return;
      }
      if (socket.destroyed) return;
      socket.off('error', onError);
      wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request));
    } catch (error) {
      this.logger.error(
        `Could not take a media stream handshake: ${error instanceof Error ? error.message : String(error)}`,
      );
      refuseHandshake(socket, 503, 'The handshake could not be checked; connect again later.');
    }
  }

  private accept(ws: WebSocket, request: IncomingMessage): void {
    const session = new WebSocketMediaSession(
      ws,
      {
        ...optionalHeader('callConnectionId', request, 'x-ms-call-connection-id'),
        ...optionalHeader('correlationId', request, 'x-ms-call-correlation-id'),
      },
      this.hooks,
    );
    this.registry.opened(session);
    if (session.callConnectionId !== '') this.identified(session);
  }

  private identified(session: WebSocketMediaSession): void {
    if (!this.registry.identified(session)) return;
    const subject = `the media stream of call ${session.callConnectionId}`;
    for (const handler of this.handlers.handlers) {
      this.runner.run(handler.name, subject, () => endsQuietly(handler.invoke(session), session));
    }
  }

  private publish(event: MediaCallEvent): void {
    this.processor.processEvents(mediaCloudEvent(event)).catch((error: unknown) => {
      this.malformedLog.report(
        `Could not hand over the ${event.kind} of call ${event.callConnectionId}: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  private paths(path: string): Set<string> {
    const config = applicationConfigOf(this.moduleRef);
    const modulePath: unknown =
      Reflect.getMetadata(MODULE_PATH + this.modules.applicationId, this.hostModule) ??
      Reflect.getMetadata(MODULE_PATH, this.hostModule);
    return resolveMediaRoutePaths(
      path,
      config,
      typeof modulePath === 'string' ? modulePath : undefined,
    );
  }
}

/**
 * A handler that fails only because its session ended under it (a send after the hang-up) did
 * nothing wrong: that rejection is not logged as a handler error.
 */
function endsQuietly(result: unknown, session: MediaStreamSession): unknown {
  if (!(result instanceof Promise)) return result;
  return result.catch((error: unknown) => {
    if (
      session.signal.aborted &&
      (error instanceof MediaStreamClosedError || error === session.signal.reason)
    ) {
      return;
    }
    throw error;
  });
}

function optionalHeader<K extends string>(
  key: K,
  request: IncomingMessage,
  name: string,
): Partial<Record<K, string>> {
  const raw = request.headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value ? ({ [key]: value } as Partial<Record<K, string>>) : {};
}
