import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CALL_AUTOMATION_OPTIONS } from '../constants';
import type { ResolvedCallAutomationOptions } from '../options/call-automation-options.interface';
import { installExpressBodyGate } from './express-body-gate';

/** CloudEvents content types that Fastify has no parser for by default. */
const CLOUD_EVENT_TYPES = ['application/cloudevents+json', 'application/cloudevents-batch+json'];

interface FastifyLike {
  hasContentTypeParser(type: string): boolean;
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
 * listens): on Express, the body gate that applies `maxBodyBytes`; on Fastify, parsers for the
 * CloudEvents content types (kept as bytes, parsed by the webhook). Without an HTTP adapter
 * (an application context) there is nothing to do.
 */
@Injectable()
export class WebhookAdapterConfigurer implements OnModuleInit {
  private readonly logger = new Logger('CallAutomation');

  constructor(
    @Inject(CALL_AUTOMATION_OPTIONS) private readonly options: ResolvedCallAutomationOptions,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return;
    const { maxBodyBytes, webhookPath, incomingCallPath } = this.options;
    const type = adapter.getType();
    if (type === 'express') {
      const installed = installExpressBodyGate(
        adapter.getInstance(),
        [webhookPath, incomingCallPath],
        maxBodyBytes,
      );
      if (!installed) {
        this.logger.warn(
          "Could not put the webhook's body reader ahead of Express's JSON parser; its own limit applies (raise it with app.useBodyParser('json', { limit })).",
        );
      }
    } else if (type === 'fastify') {
      const fastify = adapter.getInstance<FastifyLike>();
      for (const contentType of CLOUD_EVENT_TYPES) {
        if (fastify.hasContentTypeParser(contentType)) continue;
        fastify.addContentTypeParser(
          contentType,
          { parseAs: 'buffer', bodyLimit: maxBodyBytes },
          (_request, body, done) => done(null, body),
        );
      }
    }
  }
}
