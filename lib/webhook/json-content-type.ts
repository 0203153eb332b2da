import { HttpStatus } from '@nestjs/common';
import { webhookError } from './webhook-errors';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

/** `application/json`, `application/cloudevents-batch+json`, ... : what the webhook accepts. */
export function isJsonContentType(header: string | undefined): boolean {
  if (typeof header !== 'string') return false;
  const end = header.indexOf(';');
  return JSON_TYPE.test((end === -1 ? header : header.slice(0, end)).trim().toLowerCase());
}

/** Throws the 415 answer unless the Content-Type is JSON. */
export function assertJsonContentType(header: string | undefined): void {
  if (!isJsonContentType(header)) {
    throw webhookError(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      `Content-Type must be application/json (or application/cloudevents-batch+json), got ${describeHeader(header)}.`,
    );
  }
}

/** A header value as it may be quoted in an error: printable, at most 100 characters. */
export function describeHeader(value: string | undefined): string {
  if (value === undefined) return 'none';
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return `'${printable.length > 100 ? `${printable.slice(0, 100)}...` : printable}'`;
}
