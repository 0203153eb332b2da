import { type ContentCoding, createDecoder } from './content-encoding';

/** The part of a readable stream that readStream uses. */
export interface ByteStream {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  once(event: 'end', listener: () => void): unknown;
  once(event: 'error' | 'close', listener: (error?: Error) => void): unknown;
  destroy(): unknown;
  readonly readableEnded?: boolean;
}

/** The body's bytes could not be decoded as its Content-Encoding says. */
export class UndecodableBodyError extends Error {
  override readonly name = 'UndecodableBodyError';
  constructor(readonly coding: ContentCoding) {
    super(`the body is not valid ${coding} data`);
  }
}

/** A sender going on this far past the limit (16 times it, plus this) is cut off. */
const DRAIN_ALLOWANCE = 16 * 1024 * 1024;

/**
 * Reads a stream up to `limit` bytes of body, decoding it on the way (node:zlib, streaming)
 * when `coding` is given: the limit counts decoded bytes, so a small "zip bomb" is refused
 * without ever holding more than `limit`. Past the limit it keeps draining the upload without
 * keeping (or decoding) bytes, so the client can still read the 413 answer, and resolves
 * `undefined` at the end. A sender that goes on far past the limit is cut off. Rejects when
 * the stream fails or closes early, or (UndecodableBodyError) when the bytes do not decode.
 */
export function readStream(
  stream: ByteStream,
  limit: number,
  coding?: ContentCoding,
): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let received = 0;
    let overLimit = false;
    let ended = false;
    const keep = (chunk: Buffer) => {
      if (overLimit) return;
      kept += chunk.length;
      if (kept <= limit) {
        chunks.push(chunk);
        return;
      }
      overLimit = true;
      chunks.length = 0;
      decoder?.destroy(); // no more inflating of what will not be kept
      if (ended) resolve(undefined); // the decoder's 'end' will not come now
    };
    const decoder = coding === undefined ? undefined : createDecoder(coding);
    let decodeFailed = false;
    decoder?.on('data', keep);
    decoder?.once('error', () => {
      decodeFailed = true;
      reject(new UndecodableBodyError(coding as ContentCoding));
    });
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (decoder === undefined) keep(chunk);
      else if (!overLimit && !decodeFailed) decoder.write(chunk);
      if (received > limit * 16 + DRAIN_ALLOWANCE) {
        stream.destroy();
        resolve(undefined);
      }
    });
    stream.once('end', () => {
      ended = true;
      if (decoder === undefined || overLimit) {
        resolve(overLimit ? undefined : Buffer.concat(chunks, kept));
        return;
      }
      decoder.once('end', () => resolve(overLimit ? undefined : Buffer.concat(chunks, kept)));
      decoder.end();
    });
    stream.once('error', (error) => reject(error ?? new Error('the upload failed')));
    stream.once('close', () => {
      if (!stream.readableEnded) reject(new Error('the upload broke off'));
    });
  });
}
