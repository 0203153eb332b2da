import type { IncomingMessage } from 'node:http';
import { HttpStatus } from '@nestjs/common';
import { parseJsonBody } from '../events/cloud-event';
import { webhookError } from './webhook-errors';

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
  /** Bytes read ahead of the framework's parser (see ExpressBodyGate). */
  [WEBHOOK_BODY]?: Buffer | UnreadBody;
  /** Fastify: the Content-Type the client sent (see WebhookAdapterConfigurer). */
  [SENT_CONTENT_TYPE]?: { value: string | undefined };
}

export const WEBHOOK_BODY = Symbol('nestjs-call-automation.webhook-body');
export const SENT_CONTENT_TYPE = Symbol('nestjs-call-automation.sent-content-type');

/** A body that passed the limit, or whose upload broke off, while it was read ahead. */
export interface UnreadBody {
  tooLarge?: true;
  readFailed?: true;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

/** `application/json`, `application/cloudevents-batch+json`, ... : what the webhook accepts. */
export function isJsonContentType(header: string | undefined): boolean {
  if (typeof header !== 'string') return false;
  const end = header.indexOf(';');
  return JSON_TYPE.test((end === -1 ? header : header.slice(0, end)).trim().toLowerCase());
}

/**
 * Tells whether a path (no query string) ends in one of these route paths, trailing slashes
 * ignored: how the webhook's adapter hooks recognise its routes under any global prefix.
 */
export function webhookRouteMatcher(routePaths: readonly string[]): (path: string) => boolean {
  const suffixes = routePaths.map((path) => `/${path}`);
  return (path) => {
    const trimmed = path.replace(/\/+$/, '');
    return suffixes.some((suffix) => trimmed.endsWith(suffix));
  };
}

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

/**
 * The request's JSON body, whoever read it: bytes read ahead by the Express gate or by our
 * Fastify parser, a body the framework parsed, or the unread stream (read here, up to the
 * limit). Throws the 413/415/400 answers.
 */
export function readWebhookBody(
  request: WebhookRequest,
  maxBodyBytes: number,
): unknown | Promise<unknown> {
  const contentType = request[SENT_CONTENT_TYPE]?.value ?? request.headers['content-type'];
  if (!isJsonContentType(contentType)) {
    throw webhookError(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      `Content-Type must be application/json (or application/cloudevents-batch+json), got ${describeContentType(contentType)}.`,
    );
  }
  const declared = Number(request.headers['content-length']);
  if (declared > maxBodyBytes) throw tooLarge(maxBodyBytes);
  const early = request[WEBHOOK_BODY] ?? (isUnreadBody(request.body) ? request.body : undefined);
  if (early !== undefined) {
    if (Buffer.isBuffer(early)) return parse(early);
    if (early.tooLarge) throw tooLarge(maxBodyBytes);
    throw unreadable();
  }
  if (Buffer.isBuffer(request.body)) return parse(request.body);
  if (request.body !== undefined && !(request.raw?.readable ?? false)) return request.body;
  const stream = request.raw ?? (request as unknown as IncomingMessage);
  if (typeof stream.on !== 'function' || !stream.readable) {
    throw webhookError(
      HttpStatus.BAD_REQUEST,
      'The request has no body. Send a CloudEvent or an array of them.',
    );
  }
  return readStream(stream, maxBodyBytes).then(
    (bytes) => {
      if (bytes === undefined) throw tooLarge(maxBodyBytes);
      return parse(bytes);
    },
    () => {
      throw unreadable();
    },
  );
}

/** The part of a readable stream that readStream uses. */
export interface ByteStream {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  once(event: 'end', listener: () => void): unknown;
  once(event: 'error' | 'close', listener: (error?: Error) => void): unknown;
  destroy(): unknown;
  readonly readableEnded?: boolean;
}

/**
 * Reads a stream up to `limit` bytes. Past the limit it keeps draining without keeping bytes,
 * so the client can still read the 413 answer, and resolves `undefined` at the end. A sender
 * that goes on far past the limit is cut off. Rejects when the stream fails or closes early.
 */
export function readStream(stream: ByteStream, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    stream.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length <= limit) chunks.push(chunk);
      else if (chunks.length > 0) chunks.length = 0;
      if (length > limit * 16 + DRAIN_ALLOWANCE) {
        stream.destroy();
        resolve(undefined);
      }
    });
    stream.once('end', () => resolve(length > limit ? undefined : Buffer.concat(chunks, length)));
    stream.once('error', (error) => reject(error ?? new Error('the upload failed')));
    stream.once('close', () => {
      if (!stream.readableEnded) reject(new Error('the upload broke off'));
    });
  });
}

const DRAIN_ALLOWANCE = 16 * 1024 * 1024;

function isUnreadBody(value: unknown): value is UnreadBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Buffer.isBuffer(value) &&
    Object.getPrototypeOf(value) === UNREAD_BODY_PROTO
  );
}

/** Unread-body markers share a prototype so no parsed JSON body can pass for one. */
const UNREAD_BODY_PROTO = Object.freeze(Object.create(null));

export function unreadBody(reason: UnreadBody): UnreadBody {
  return Object.assign(Object.create(UNREAD_BODY_PROTO), reason);
}

function parse(bytes: Buffer): Buffer {
  if (bytes.length === 0) {
    throw webhookError(
      HttpStatus.BAD_REQUEST,
      'The request body is empty. Send a CloudEvent or an array of them.',
    );
  }
  return bytes; // parsed (and UTF-8 checked) by processEvents, which reports JSON errors
}

function describeContentType(value: string | undefined): string {
  if (value === undefined) return 'none';
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return `'${printable.length > 100 ? `${printable.slice(0, 100)}...` : printable}'`;
}

function tooLarge(maxBodyBytes: number) {
  return webhookError(
    HttpStatus.PAYLOAD_TOO_LARGE,
    `The body is larger than ${maxBodyBytes} bytes (module option maxBodyBytes).`,
  );
}

function unreadable() {
  return webhookError(HttpStatus.BAD_REQUEST, 'The request body could not be read to its end.');
}

/** How deep a webhook body may nest: ACS and Event Grid events need fewer than 10 levels. */
export const MAX_BODY_DEPTH = 64;

/**
 * Checks a webhook body's nesting (the limit): bytes are scanned before anything parses them
 * (so no parser or serializer ever meets 100 000 levels), a body a framework parsed is walked.
 */
export function assertWebhookBodyDepth(body: unknown): void {
  if (body instanceof Uint8Array) assertJsonDepth(body);
  else assertBodyDepth(body, 1);
}

/** A webhook body as a JSON value, within the nesting limit. */
export function parseWebhookJson(body: unknown): unknown {
  assertWebhookBodyDepth(body);
  return parseJsonBody(body);
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Refuses JSON text nested deeper than MAX_BODY_DEPTH. Nesting needs an opening bracket per
 * level, so a body with few of them (every ordinary event: about five) passes after a native
 * search for them; only the others are scanned byte by byte, strings skipped. (The scan cost
 * more than the rest of the webhook's own work per 1-event callback.)
 */
function assertJsonDepth(bytes: Uint8Array): void {
  if (
    countUpTo(bytes, OPEN_BRACE, MAX_BODY_DEPTH + 1) +
      countUpTo(bytes, OPEN_BRACKET, MAX_BODY_DEPTH + 1) <=
    MAX_BODY_DEPTH
  ) {
    return;
  }
  let depth = 0;
  let inString = false;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    if (inString) {
      if (byte === BACKSLASH) index++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > MAX_BODY_DEPTH) throw tooDeep();
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
  }
}

/** How many times `byte` occurs in `bytes`, counting no further than `limit`. */
function countUpTo(bytes: Uint8Array, byte: number, limit: number): number {
  let count = 0;
  for (let at = bytes.indexOf(byte); at !== -1 && count < limit; at = bytes.indexOf(byte, at + 1)) {
    count++;
  }
  return count;
}

/** The same limit on an already parsed value. */
function assertBodyDepth(value: unknown, depth: number): void {
  if (typeof value !== 'object' || value === null) return;
  if (depth > MAX_BODY_DEPTH) throw tooDeep();
  if (Array.isArray(value)) {
    for (const child of value) assertBodyDepth(child, depth + 1);
    return;
  }
  for (const key in value) {
    if (Object.hasOwn(value, key))
      assertBodyDepth((value as Record<string, unknown>)[key], depth + 1);
  }
}

function tooDeep() {
  return webhookError(
    HttpStatus.BAD_REQUEST,
    `The body is nested deeper than ${MAX_BODY_DEPTH} levels; no event needs that. Nothing was dispatched.`,
  );
}
