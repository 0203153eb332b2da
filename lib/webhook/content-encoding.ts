import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { HttpStatus } from '@nestjs/common';
import { describeHeader } from './json-content-type';
import { webhookError } from './webhook-errors';

/** The compressions a webhook body may come in (a proxy on the way may add one). */
export type ContentCoding = 'gzip' | 'deflate' | 'br';

const CODINGS: Readonly<Record<string, ContentCoding>> = {
  gzip: 'gzip',
  'x-gzip': 'gzip',
  deflate: 'deflate',
  br: 'br',
};

/**
 * The coding of a `Content-Encoding` header: undefined for none (or `identity`), null for one
 * the webhook cannot decode (an unknown coding, or more than one).
 */
export function contentCodingOf(header: string | undefined): ContentCoding | undefined | null {
  if (header === undefined) return undefined;
  const codings = header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return undefined;
  if (codings.length > 1) return null;
  return CODINGS[codings[0] as string] ?? null;
}

/** The coding to decode the body with; throws the 415 answer for one the webhook cannot decode. */
export function assertDecodableContentCoding(
  header: string | undefined,
): ContentCoding | undefined {
  const coding = contentCodingOf(header);
  if (coding === null) {
    throw webhookError(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      `Content-Encoding ${describeHeader(header)} is not supported: send the body uncompressed, or compressed once with gzip, deflate or br.`,
    );
  }
  return coding;
}

/** A streaming decoder (node:zlib) of that coding. */
export function createDecoder(coding: ContentCoding): Transform {
  switch (coding) {
    case 'gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
  }
}
