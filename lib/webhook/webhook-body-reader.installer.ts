import type { Server } from 'node:http';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { MODULE_PATH } from '@nestjs/common/constants.js';
import { HttpAdapterHost, ModuleRef, ModulesContainer } from '@nestjs/core';
import { CALL_AUTOMATION_OPTIONS } from '../constants';
import type { ResolvedCallAutomationOptions } from '../options/call-automation-options.interface';
import { contentCodingOf } from './content-encoding';
import { installExpressBodyGate } from './express-body-gate';
import { InFlightRequests } from './in-flight-requests';
import type { ByteStream } from './read-stream';
import { readBodyAhead } from './read-webhook-body';
import { WebhookReceiver } from './webhook.receiver';
import { headerOf, SENT_CONTENT_TYPE, type WebhookRequest } from './webhook-request';
import { applicationConfigOf, resolveWebhookRoutes, type WebhookRoutes } from './webhook-routes';

/** The class of the module registration these providers belong to (for a RouterModule path). */
export const WEBHOOK_HOST_MODULE = Symbol('nestjs-call-automation.webhook-host-module');

/**
 * The content types the webhook routes' bodies are parsed as on Fastify: private names (one
 * pair per module registration, each with its own limit), so Fastify's own JSON parser (its
 * 1 MiB limit, its errors, its lenient UTF-8) never sees them.
 */
const WEBHOOK_CONTENT_TYPE = 'application/x-nestjs-call-automation-webhook';
let registrations = 0;

interface FastifyRequestLike extends WebhookRequest {
  method: string;
  url: string;
  routeOptions?: { url?: string };
}

interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(body: unknown): unknown;
}

interface FastifyLike {
  addHook(
    name: 'onRequest',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: () => void) => void,
  ): unknown;
  addContentTypeParser(
    type: string,
    options: { parseAs: 'buffer'; bodyLimit: number },
    parser: (
      request: unknown,
      body: Buffer,
      done: (error: Error | null, body?: unknown) => void,
    ) => void,
  ): void;
  addContentTypeParser(
    type: string,
    parser: (request: FastifyRequestLike, payload: ByteStream) => Promise<unknown>,
  ): void;
}

/**
 * Fits the webhook's body reading to the HTTP adapter once routes are mapped (before the server
 * listens), for the module's own routes only (their exact paths, global prefix included):
 * - Express: the body gate, which refuses a request without acceptable credentials before its
 *   body is read, and otherwise reads the body (any content type, decoded) within
 *   `maxBodyBytes` ahead of Express's parsers;
 * - Fastify: the same refusal in an onRequest hook; bodies are parsed by raw-bytes parsers of
 *   our own within `maxBodyBytes` (Fastify's native reader, or ours for a compressed body);
 *   the client's Content-Type is kept for the 415 check;
 * - both: webhook requests in flight are counted from their first byte, for graceful shutdown.
 * Without an HTTP adapter (an application context) there is nothing to do.
 */
@Injectable()
export class WebhookBodyReaderInstaller implements OnModuleInit {
  private readonly logger = new Logger('CallAutomation');

  constructor(
    @Inject(CALL_AUTOMATION_OPTIONS) private readonly options: ResolvedCallAutomationOptions,
    @Inject(WEBHOOK_HOST_MODULE) private readonly hostModule: object,
    private readonly adapterHost: HttpAdapterHost,
    private readonly moduleRef: ModuleRef,
    private readonly modules: ModulesContainer,
    private readonly receiver: WebhookReceiver,
    private readonly inFlight: InFlightRequests,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return;
    const routes = this.routes();
    const server = adapter.getHttpServer() as Server | undefined;
    if (typeof server?.prependListener === 'function') this.inFlight.watch(server, routes);
    const type = adapter.getType();
    if (type === 'express') {
      const refusal = this.receiver.refusalBeforeBody.bind(this.receiver);
      if (
        !installExpressBodyGate(adapter.getInstance(), routes, this.options.maxBodyBytes, refusal)
      ) {
        this.logger.warn(
          `Could not find the webhook routes (${routes.paths.join(', ')}) in Express's router to put the webhook's body reader ahead of Express's JSON parser; its own limit applies (raise it with app.useBodyParser('json', { limit })).`,
        );
      }
    } else if (type === 'fastify') {
      this.configureFastify(adapter.getInstance<FastifyLike>(), routes);
    }
  }

  private routes(): WebhookRoutes {
    const config = applicationConfigOf(this.moduleRef);
    if (config === undefined) {
      this.logger.warn(
        "Could not read the application's global prefix; the webhook's body reader serves the routes without it.",
      );
    }
    const modulePath: unknown =
      Reflect.getMetadata(MODULE_PATH + this.modules.applicationId, this.hostModule) ??
      Reflect.getMetadata(MODULE_PATH, this.hostModule);
    return resolveWebhookRoutes(
      this.options,
      config,
      typeof modulePath === 'string' ? modulePath : undefined,
    );
  }

  private configureFastify(fastify: FastifyLike, routes: WebhookRoutes): void {
    const { maxBodyBytes } = this.options;
    const contentType = `${WEBHOOK_CONTENT_TYPE}-${++registrations}`;
    const encodedContentType = `${contentType}-encoded`;
    fastify.addHook('onRequest', (request, reply, done) => {
      const path = request.routeOptions?.url;
      const route =
        request.method === 'POST' && path !== undefined ? routes.routeOf(path) : undefined;
      if (route === undefined) {
        done();
        return;
      }
      const refusal = this.receiver.refusalBeforeBody(route, request);
      if (refusal !== undefined) {
        // Answered without reading the body; the connection closes so the rest is not read.
        reply.code(refusal.getStatus()).header('connection', 'close').send(refusal.getResponse());
        return;
      }
      request[SENT_CONTENT_TYPE] = { value: request.headers['content-type'] };
      // An undecodable coding is read as it is (and refused with 415 by the route).
      request.headers['content-type'] = contentCodingOf(headerOf(request, 'content-encoding'))
        ? encodedContentType
        : contentType;
      done();
    });
    // Fastify reads the bytes (its native reader, with maxBodyBytes as the limit); we parse them.
    fastify.addContentTypeParser(
      contentType,
      { parseAs: 'buffer', bodyLimit: maxBodyBytes },
      (_request, body, done) => done(null, body),
    );
    // A compressed body: read from the stream and decoded as it comes, within maxBodyBytes decoded.
    fastify.addContentTypeParser(encodedContentType, (request, payload) =>
      readBodyAhead(
        payload,
        maxBodyBytes,
        contentCodingOf(headerOf(request, 'content-encoding')) ?? undefined,
      ),
    );
  }
}
