import type { IncomingMessage } from 'node:http';
import type { UnreadBody } from './unread-body';

/** What a webhook route sees of a request, for Express and Fastify alike. */
export interface WebhookRequest {
  headers: IncomingMessage['headers'];
  /** Set when the framework already parsed the body (or our Fastify parser kept its bytes). */
  body?: unknown;
  /** Express: undefined (the request is the Node request); Fastify: the Node request. */
  raw?: IncomingMessage;
  /** Express: the request target as received, query string included. */
  originalUrl?: string;
  url?: string;
  /** Bytes read ahead of the framework's parser (see express-body-gate.ts). */
  [WEBHOOK_BODY]?: Buffer | UnreadBody;
  /** Fastify: the Content-Type the client sent (see WebhookBodyReaderInstaller). */
  [SENT_CONTENT_TYPE]?: { value: string | undefined };
}

export const WEBHOOK_BODY = Symbol('nestjs-call-automation.webhook-body');
export const SENT_CONTENT_TYPE = Symbol('nestjs-call-automation.sent-content-type');

/** The request target (path and query) as the client sent it. */
export function requestTarget(request: WebhookRequest): string | undefined {
  return request.raw?.url ?? request.originalUrl ?? request.url;
}

/** The path of a request target, without its query string (safe to log). */
export function pathOf(target: string | undefined): string {
  const url = target ?? '/';
  const query = url.search(/[?#]/);
  return query === -1 ? url : url.slice(0, query);
}

/** A header's (first) value. */
export function headerOf(
  request: Pick<WebhookRequest, 'headers'>,
  name: string,
): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
