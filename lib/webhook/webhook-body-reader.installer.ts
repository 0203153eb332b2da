import type { Server } from 'node:http';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CALL_AUTOMATION_OPTIONS } from '../constants';
import type { ResolvedCallAutomationOptions } from '../options/call-automation-options.interface';
import { installExpressBodyGate } from './express-body-gate';
import { SENT_CONTENT_TYPE, type WebhookRequest, webhookRouteMatcher } from './webhook-body';
import { WebhookRequestHandler } from './webhook-request.handler';

/**
 * The content type the webhook routes' bodies are parsed as on Fastify: a private name (one per
 * module registration, each with its own limit), so Fastify's own JSON parser (its 1 MiB limit,
 * its errors, its lenient UTF-8) never sees them.
 */
const WEBHOOK_CONTENT_TYPE = 'application/x-nestjs-call-automation-webhook';
let registrations = 0;

interface FastifyRequestLike extends WebhookRequest {
  method: string;
  routeOptions?: { url?: string };
}

interface FastifyLike {
  addHook(
    name: 'onRequest',
    hook: (request: FastifyRequestLike, reply: unknown, done: () => void) => void,
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
}

/**
 * Fits the webhook routes to the HTTP adapter once routes are mapped (before the server
 * listens):
 * - Express: the body gate, which reads webhook bodies (any content type) within
 *   `maxBodyBytes` ahead of Express's parsers;
 * - Fastify: webhook POSTs are parsed by a raw-bytes parser of our own within `maxBodyBytes`
 *   (the client's Content-Type is kept for the 415 check);
 * - both: webhook requests in flight are counted from their first byte, for graceful shutdown.
 * Without an HTTP adapter (an application context) there is nothing to do.
 */
@Injectable()
export class WebhookAdapterConfigurer implements OnModuleInit {
  private readonly logger = new Logger('CallAutomation');

  constructor(
    @Inject(CALL_AUTOMATION_OPTIONS) private readonly options: ResolvedCallAutomationOptions,
    private readonly adapterHost: HttpAdapterHost,
    private readonly webhook: WebhookRequestHandler,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return;
    const { maxBodyBytes, webhookPath, incomingCallPath } = this.options;
    const paths = [webhookPath, incomingCallPath];
    const server = adapter.getHttpServer() as Server | undefined;
    if (typeof server?.prependListener === 'function') this.webhook.inFlight.watch(server, paths);
    const type = adapter.getType();
    if (type === 'express') {
      if (!installExpressBodyGate(adapter.getInstance(), paths, maxBodyBytes)) {
        this.logger.warn(
          "Could not put the webhook's body reader ahead of Express's JSON parser; its own limit applies (raise it with app.useBodyParser('json', { limit })).",
        );
      }
    } else if (type === 'fastify') {
      this.configureFastify(adapter.getInstance<FastifyLike>(), paths, maxBodyBytes);
    }
  }

  private configureFastify(fastify: FastifyLike, paths: string[], maxBodyBytes: number): void {
    const contentType = `${WEBHOOK_CONTENT_TYPE}-${++registrations}`;
    const isWebhookRoute = webhookRouteMatcher(paths);
    fastify.addHook('onRequest', (request, _reply, done) => {
      const route = request.routeOptions?.url;
      if (request.method === 'POST' && route !== undefined && isWebhookRoute(route)) {
        request[SENT_CONTENT_TYPE] = { value: request.headers['content-type'] };
        request.headers['content-type'] = contentType;
      }
      done();
    });
    // Fastify reads the bytes (its native reader, with maxBodyBytes as the limit); we parse them.
    fastify.addContentTypeParser(
      contentType,
      { parseAs: 'buffer', bodyLimit: maxBodyBytes },
      (_request, body, done) => done(null, body),
    );
  }
}
