import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** What a request must carry to pass the check. */
export interface SignedRequest {
  method: string;
  /** The raw request target as received: encoded path plus query. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const AUTHORIZATION = /^HMAC-SHA256 SignedHeaders=([^&]+)&Signature=(.+)$/;

/**
 * Checks the HMAC-SHA256 signature the SDK's access-key policy puts on every request
 * (@azure/communication-common): the string to sign is
 * `VERB\npathAndQuery\nx-ms-date;host;base64(sha256(body))`, keyed with the decoded access key.
 * The content hash is recomputed from the raw body, so a body changed in transit fails too.
 * Retries resend the same date and signature, so replays are accepted on purpose.
 *
 * Returns undefined when the signature matches, otherwise why it does not.
 */
export function findSignatureProblem(
  request: SignedRequest,
  accessKey: Buffer,
): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? AUTHORIZATION.exec(header) : null;
  if (!match) return 'the Authorization header is not an HMAC-SHA256 signature';
  if (match[1] !== 'x-ms-date;host;x-ms-content-sha256') {
    return `unexpected SignedHeaders "${match[1]}"`;
  }
  const date = request.headers['x-ms-date'];
  const host = request.headers.host;
  if (typeof date !== 'string' || typeof host !== 'string') {
    return 'x-ms-date or Host is missing';
  }
  const contentHash = createHash('sha256').update(request.body).digest('base64');
  const given = Buffer.from(match[2] ?? '', 'base64');
  for (const pathAndQuery of pathAndQueryForms(request.url)) {
    const stringToSign = `${request.method.toUpperCase()}\n${pathAndQuery}\n${date};${host};${contentHash}`;
    const expected = createHmac('sha256', accessKey).update(stringToSign, 'utf8').digest();
    if (expected.length === given.length && timingSafeEqual(expected, given)) return undefined;
  }
  return 'the signature does not match (wrong access key, or the request was altered)';
}

/**
 * The raw target, and the form the signing policy computes (`pathname + "?" +
 * searchParams.toString()`), which re-encodes the query differently in rare cases.
 */
function pathAndQueryForms(rawUrl: string): string[] {
  const questionMark = rawUrl.indexOf('?');
  if (questionMark < 0) return [rawUrl];
  const normalized = `${rawUrl.slice(0, questionMark)}?${new URLSearchParams(rawUrl.slice(questionMark + 1)).toString()}`;
  return normalized === rawUrl ? [rawUrl] : [rawUrl, normalized];
}
