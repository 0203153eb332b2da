import type { IncomingMessage } from 'node:http';
import { HttpStatus } from '@nestjs/common';
import { assertDecodableContentCoding } from './content-encoding';
import { assertJsonContentType } from './json-content-type';
import { readStream, UndecodableBodyError } from './read-stream';
import { isUnreadBody, type UnreadBody, unreadBody } from './unread-body';
import { webhookError } from './webhook-errors';
import { headerOf, SENT_CONTENT_TYPE, WEBHOOK_BODY, type WebhookRequest } from './webhook-request';

/**
 * The request's JSON body, whoever read it: bytes read ahead by the Express gate or by our
 * Fastify parsers, a body the framework parsed, or the unread stream (read here, up to the
 * limit). Throws the 413/415/400 answers.
 */
export function readWebhookBody(
  request: WebhookRequest,
  maxBodyBytes: number,
): unknown | Promise<unknown> {
  assertJsonContentType(request[SENT_CONTENT_TYPE]?.value ?? request.headers['content-type']);
  const coding = assertDecodableContentCoding(headerOf(request, 'content-encoding'));
  // Only an uncompressed body's size is known up front; a compressed one is judged decoded.
  if (coding === undefined && Number(request.headers['content-length']) > maxBodyBytes) {
    throw tooLarge(maxBodyBytes);
  }
  const early = request[WEBHOOK_BODY] ?? (isUnreadBody(request.body) ? request.body : undefined);
  if (early !== undefined)
    return Buffer.isBuffer(early) ? parse(early) : refuse(early, maxBodyBytes);
  if (Buffer.isBuffer(request.body)) return parse(request.body);
  if (request.body !== undefined && !(request.raw?.readable ?? false)) return request.body;
  const stream = request.raw ?? (request as unknown as IncomingMessage);
  if (typeof stream.on !== 'function' || !stream.readable) {
    throw webhookError(
      HttpStatus.BAD_REQUEST,
      'The request has no body. Send a CloudEvent or an array of them.',
    );
  }
  return readBodyAhead(stream, maxBodyBytes, coding).then((body) =>
    Buffer.isBuffer(body) ? parse(body) : refuse(body, maxBodyBytes),
  );
}

/**
 * Reads a body for the route, ahead of it (Express gate, Fastify parser) or from it: the bytes,
 * decoded, or a marker that says why there are none. Never rejects.
 */
export function readBodyAhead(
  stream: Parameters<typeof readStream>[0],
  maxBodyBytes: number,
  coding: Parameters<typeof readStream>[2],
): Promise<Buffer | UnreadBody> {
  return readStream(stream, maxBodyBytes, coding).then(
    (bytes) => bytes ?? unreadBody({ tooLarge: true }),
    (error: unknown) =>
      unreadBody(
        error instanceof UndecodableBodyError
          ? { undecodable: error.coding }
          : { readFailed: true },
      ),
  );
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

function refuse(reason: UnreadBody, maxBodyBytes: number): never {
  if (reason.tooLarge) throw tooLarge(maxBodyBytes);
  if (reason.undecodable) {
    throw webhookError(
      HttpStatus.BAD_REQUEST,
      `The body is not valid ${reason.undecodable} data, as its Content-Encoding says. Nothing was dispatched.`,
    );
  }
  throw webhookError(HttpStatus.BAD_REQUEST, 'The request body could not be read to its end.');
}

function tooLarge(maxBodyBytes: number) {
  return webhookError(
    HttpStatus.PAYLOAD_TOO_LARGE,
    `The body is larger than ${maxBodyBytes} bytes (module option maxBodyBytes).`,
  );
}
