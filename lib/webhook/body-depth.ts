import { HttpStatus } from '@nestjs/common';
import { parseJsonBody } from '../events/cloud-event';
import { webhookError } from './webhook-errors';

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
