import { describe, expect, it } from 'vitest';
import { assertWebhookBodyDepth, MAX_BODY_DEPTH } from '../../lib/webhook/body-depth';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const nestedObjects = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe('assertWebhookBodyDepth on bytes', () => {
  it(`accepts ${MAX_BODY_DEPTH} levels and refuses one more, arrays and objects alike`, () => {
    expect(() => assertWebhookBodyDepth(bytes(nested(MAX_BODY_DEPTH)))).not.toThrow();
    expect(() => assertWebhookBodyDepth(bytes(nested(MAX_BODY_DEPTH + 1)))).toThrow(
      /deeper than 64/,
    );
    expect(() => assertWebhookBodyDepth(bytes(nestedObjects(MAX_BODY_DEPTH)))).not.toThrow();
    expect(() => assertWebhookBodyDepth(bytes(nestedObjects(MAX_BODY_DEPTH + 1)))).toThrow(
      /deeper than 64/,
    );
  });

  it('accepts many shallow objects (more brackets than levels)', () => {
    const batch = `[${Array(200).fill('{"data":{"resultInformation":{"code":200}}}').join(',')}]`;
    expect(() => assertWebhookBodyDepth(bytes(batch))).not.toThrow();
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = `[{"id":"${'['.repeat(100)}\\"${'{'.repeat(100)}","data":{}}]`;
    expect(() => assertWebhookBodyDepth(bytes(text))).not.toThrow();
    const deepAfterString = `[{"id":"\\"[[[","data":${nested(MAX_BODY_DEPTH)}}]`;
    expect(() => assertWebhookBodyDepth(bytes(deepAfterString))).toThrow(/deeper than 64/);
  });

  it('applies the same limit to a body a framework parsed', () => {
    expect(() => assertWebhookBodyDepth(JSON.parse(nested(MAX_BODY_DEPTH)))).not.toThrow();
    expect(() => assertWebhookBodyDepth(JSON.parse(nested(MAX_BODY_DEPTH + 1)))).toThrow(
      /deeper than 64/,
    );
  });
});
