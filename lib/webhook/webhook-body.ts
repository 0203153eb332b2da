import type { IncomingMessage } from 'node:http';
import { HttpStatus } from '@nestjs/common';
import { webhookError } from './webhook-errors';

/** What a webhook route sees of a request, for Express and Fastify alike. */
export interface WebhookRequest {
  headers: IncomingMessage['headers'];
  /** Set when the framework already parsed the body. */
  body?: unknown;
  /** Express: the Node request itself; Fastify: `request.raw`. */
  raw?: IncomingMessage;
  /** Bytes read ahead of the framework's parser (see ExpressBodyGate). */
  [WEBHOOK_BODY]?: Buffer | PayloadTooLarge;
}

export const WEBHOOK_BODY = Symbol('nestjs-call-automation.webhook-body');

/** Marks a body that passed the limit while it was read ahead. */
export interface PayloadTooLarge {
  tooLarge: true;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

/** `application/json`, `application/cloudevents-batch+json`, ... : what the webhook accepts. */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const type = (header.split(';')[0] ?? '').trim().toLowerCase();
  return JSON_TYPE.test(type);
}

/**
 * The request's JSON body, whoever read it: bytes read ahead by the Express gate, a body the
 * framework parsed, or the unread stream (read here, up to the limit). Throws the 413/415/400
 * answers.
 */
export async function readWebhookBody(
  request: WebhookRequest,
  maxBodyBytes: number,
): Promise<unknown> {
  if (!isJsonContentType(request.headers['content-type'])) {
    throw webhookError(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      `Content-Type must be application/json (or application/cloudevents-batch+json), got '${request.headers['content-type'] ?? 'none'}'.`,
    );
  }
  const declared = Number(request.headers['content-length']);
  if (declared > maxBodyBytes) throw tooLarge(maxBodyBytes);
  const early = request[WEBHOOK_BODY];
  if (early !== undefined) {
    if (!Buffer.isBuffer(early)) throw tooLarge(maxBodyBytes);
    return parse(early);
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
  const bytes = await readStream(stream, maxBodyBytes);
  if (bytes === undefined) throw tooLarge(maxBodyBytes);
  return parse(bytes);
}

/**
 * Reads a stream up to `limit` bytes. Past the limit it keeps draining without keeping bytes,
 * so the client can still read the 413 answer, and resolves `undefined` at the end. A sender
 * that goes on far past the limit is cut off.
 */
export function readStream(stream: IncomingMessage, limit: number): Promise<Buffer | undefined> {
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
    stream.once('error', (error) =>
      reject(
        webhookError(
          HttpStatus.BAD_REQUEST,
          `The request body could not be read: ${error.message}.`,
        ),
      ),
    );
  });
}

const DRAIN_ALLOWANCE = 16 * 1024 * 1024;

function parse(bytes: Buffer): unknown {
  if (bytes.length === 0) {
    throw webhookError(
      HttpStatus.BAD_REQUEST,
      'The request body is empty. Send a CloudEvent or an array of them.',
    );
  }
  return bytes; // parsed (and UTF-8 checked) by processEvents, which reports JSON errors
}

function tooLarge(maxBodyBytes: number) {
  return webhookError(
    HttpStatus.PAYLOAD_TOO_LARGE,
    `The body is larger than ${maxBodyBytes} bytes (module option maxBodyBytes).`,
  );
}
