import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the emulator answers to one REST request. */
export interface RestResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A request the service refuses. It becomes `{"error":{"code","message"}}` with `status`, which
 * the SDK turns into a RestError with `statusCode`, `code` and `message`. ACS uses its subcodes
 * as error codes (8522 not found, 8523 invalid request, 8501 call not established).
 */
export class RestFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toResponse(): RestResponse {
    return {
      status: this.status,
      body: { error: { code: this.code, message: this.message } },
      headers: this.headers,
    };
  }

  static callNotFound(callConnectionId: string): RestFailure {
    return new RestFailure(404, '8522', `Call not found: ${callConnectionId}.`);
  }

  static notFound(what: string): RestFailure {
    return new RestFailure(404, '8522', `${what} not found.`);
  }

  static invalid(detail: string): RestFailure {
    return new RestFailure(400, '8523', `Invalid request: ${detail}`);
  }

  static callNotEstablished(): RestFailure {
    return new RestFailure(400, '8501', 'Action is not supported: the call is not established.');
  }
}

/** Reads the whole body; a body past `limitBytes` is refused with 413. */
export async function readRawBody(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limitBytes)
      throw new RestFailure(413, 'RequestEntityTooLarge', 'The body is too large.');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Writes `response`; resolves once it is handed to the socket. */
export function writeRestResponse(
  response: ServerResponse,
  result: RestResponse,
  extraHeaders: Record<string, string> = {},
): Promise<void> {
  const headers: Record<string, string> = { ...extraHeaders, ...result.headers };
  let payload: string | undefined;
  if (result.body !== undefined && result.status !== 204) {
    payload = JSON.stringify(result.body);
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  return new Promise((resolve) => {
    if (response.destroyed) {
      resolve();
      return;
    }
    response.writeHead(result.status, headers);
    response.end(payload, () => resolve());
    response.once('close', () => resolve());
  });
}
