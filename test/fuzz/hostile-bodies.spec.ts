import 'reflect-metadata';
import { gzipSync } from 'node:zlib';
import { Injectable } from '@nestjs/common';
import { OnCallEvent } from 'nestjs-call-automation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KindRecorder } from '../security/support';
import { ADAPTERS, startApp, type TestApp } from '../support/app';
import { cloudEvent } from '../support/events';

/** Records every kind, plus handlers that throw, reject and hang. */
@Injectable()
class Recorder extends KindRecorder {
  @OnCallEvent('PlayFailed')
  throws(): void {
    throw new Error('handler bug');
  }
  @OnCallEvent('PlayFailed')
  rejects(): Promise<void> {
    return Promise.reject('not even an Error');
  }
  release: () => void = () => {};
  private readonly gate = new Promise<void>((resolve) => {
    this.release = resolve;
  });
  @OnCallEvent('PlayCompleted')
  hangs(): Promise<void> {
    return this.gate; // settles only when the suite ends
  }
}

const DEPTH = 100_000;
const event = (data: Record<string, unknown> = {}) =>
  JSON.stringify([cloudEvent('CallConnected', { callConnectionId: 'c1', ...data })]);
const envelope = (dataJson: string) =>
  `[{"id":"e1","type":"Microsoft.Communication.CallConnected","data":${dataJson}}]`;

/** [name, body, content type, expected status] */
const HOSTILE: [string, string | Uint8Array, string | undefined, number][] = [
  ['deeply nested arrays', `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`, 'application/json', 400],
  [
    'deeply nested data',
    envelope(`${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`),
    'application/json',
    400,
  ],
  [
    'deeply nested data of an unknown kind',
    `[{"id":"e2","type":"Custom.Deep","data":${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}}]`,
    'application/json',
    400,
  ],
  [
    'data nested 60 levels (within the limit)',
    `[{"id":"e6","type":"Custom.Deep","data":${'{"a":'.repeat(60)}1${'}'.repeat(60)}}]`,
    'application/json',
    200,
  ],
  [
    'data nested 70 levels (past the limit)',
    `[{"id":"e7","type":"Custom.Deep","data":${'[{"a":'.repeat(35)}1${'}]'.repeat(35)}}]`,
    'application/json',
    400,
  ],
  [
    'a huge array of empty objects',
    `[${Array(150_000).fill('{}').join(',')}]`,
    'application/json',
    400,
  ],
  ['a huge array of numbers', `[${Array(200_000).fill('1').join(',')}]`, 'application/json', 400],
  [
    '__proto__ in data',
    envelope('{"__proto__":{"polluted":"yes"},"callConnectionId":"c1"}'),
    'application/json',
    200,
  ],
  [
    '__proto__ on the envelope',
    '[{"__proto__":{"polluted":"yes"},"id":"e3","type":"Microsoft.Communication.PlayStarted","data":{}}]',
    'application/json',
    200,
  ],
  [
    '__proto__ as the id holder',
    '[{"__proto__":{"id":"x","type":"T","data":{}}}]',
    'application/json',
    400,
  ],
  [
    'constructor.prototype in data',
    envelope('{"constructor":{"prototype":{"polluted":"yes"}}}'),
    'application/json',
    200,
  ],
  [
    'a participants list of garbage',
    `[{"id":"e4","type":"Microsoft.Communication.ParticipantsUpdated","data":{"participants":"nope","callConnectionId":"c1"}}]`,
    'application/json',
    200,
  ],
  [
    'a participant of the wrong shape',
    `[{"id":"e5","type":"Microsoft.Communication.AddParticipantSucceeded","data":{"participant":{"rawId":{"__proto__":1}}}}]`,
    'application/json',
    200,
  ],
  ['a string where the batch belongs', '"[]"', 'application/json', 400],
  ['a string where data belongs', envelope('"{}"'), 'application/json', 400],
  ['an array where data belongs', envelope('[]'), 'application/json', 400],
  ['null', 'null', 'application/json', 400],
  ['an empty body', '', 'application/json', 400],
  ['whitespace', '   \n ', 'application/json', 400],
  ['truncated JSON', event().slice(0, -3), 'application/json', 400],
  [
    'invalid UTF-8 in a string',
    new Uint8Array([
      ...Buffer.from('[{"id":"'),
      0xff,
      0xfe,
      ...Buffer.from('","type":"T","data":{}}]'),
    ]),
    'application/json',
    400,
  ],
  ['a lone surrogate escape', envelope('{"name":"\\ud800"}'), 'application/json', 200],
  [
    'a UTF-8 BOM (ignored, as RFC 8259 allows)',
    new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(event())]),
    'application/json',
    200,
  ],
  [
    'UTF-16 bytes',
    new Uint8Array(Buffer.from(event(), 'utf16le')),
    'application/json; charset=utf-16',
    400,
  ],
  ['numbers past double range', envelope('{"n":1e400,"m":-1e400}'), 'application/json', 200],
  ['text/plain', event(), 'text/plain', 415],
  ['a form', 'id=1&type=x', 'application/x-www-form-urlencoded', 415],
  [
    'multipart',
    '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\n',
    'multipart/form-data; boundary=b',
    415,
  ],
  ['XML', '<event/>', 'application/xml', 415],
  ['no content type', event(), undefined, 415],
  ['a garbage content type', event(), '\u00ff/\u00fe', 415],
  ['json with a bogus charset', event(), 'application/json; charset=klingon', 200],
];

describe.each(ADAPTERS)('hostile bodies on %s', (adapter) => {
  let test: TestApp;
  let recorder: Recorder;
  beforeAll(async () => {
    test = await startApp({ adapter, providers: [Recorder] });
    recorder = test.app.get(Recorder);
  });
  afterAll(async () => {
    recorder.release(); // shutdown waits for running handlers
    await test.close();
  });

  const send = (path: string, body: string | Uint8Array, contentType: string | undefined) =>
    fetch(test.url(path), {
      method: 'POST',
      headers: contentType === undefined ? {} : { 'content-type': contentType },
      body: typeof body === 'string' && contentType === undefined ? Buffer.from(body) : body,
    });

  it.each(HOSTILE)(
    '%s: a JSON 4xx error (or 200), never a 500',
    async (_name, body, contentType, expected) => {
      for (const path of ['api/callbacks', 'api/incomingCall']) {
        const before = recorder.kinds.length;
        const response = await send(path, body, contentType);
        const text = await response.text();
        const status =
          path === 'api/incomingCall' &&
          expected === 200 &&
          /Microsoft\.Communication\.(CallConnected|PlayStarted|ParticipantsUpdated|AddParticipantSucceeded)/.test(
            Buffer.from(body).toString('latin1'),
          )
            ? 400
            : expected;
        expect({ path, status: response.status }).toEqual({ path, status });
        const parsed = JSON.parse(text) as { statusCode?: number; message?: unknown };
        if (status !== 200) {
          expect(parsed.statusCode).toBe(status);
          expect(typeof parsed.message).toBe('string');
          await test.processor.whenIdle();
          expect(recorder.kinds.length).toBe(before); // nothing of a refused body is dispatched
        }
      }
      expect(Object.prototype).not.toHaveProperty('polluted');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('gives a gzip-compressed hostile body the same answer as the plain one', async () => {
    for (const [name, body, contentType, expected] of HOSTILE) {
      const before = recorder.kinds.length;
      const response = await fetch(test.url('api/callbacks'), {
        method: 'POST',
        headers: {
          ...(contentType === undefined ? {} : { 'content-type': contentType }),
          'content-encoding': 'gzip',
        },
        // ids made fresh so that bodies accepted plain above are not dropped as duplicates
        body: gzipSync(
          Buffer.from(
            Buffer.from(body)
              .toString('latin1')
              .replace(/"id":"e(\d)"/g, '"id":"gz$1"'),
            'latin1',
          ),
        ),
      });
      const answer = JSON.parse(await response.text()) as { statusCode?: number };
      expect({ name, status: response.status }).toEqual({ name, status: expected });
      if (expected !== 200) {
        expect(answer.statusCode).toBe(expected);
        await test.processor.whenIdle();
        expect(recorder.kinds.length).toBe(before);
      }
    }
  });

  it('keeps a __proto__ key as plain data (the event keeps its prototype)', async () => {
    const seen = test.processor.waitForEvent({ callConnectionId: 'proto-call' });
    await send(
      'api/callbacks',
      envelope(
        '{"__proto__":{"callConnectionId":"inherited"},"callConnectionId":"proto-call","x":1}',
      ).replace('"e1"', '"proto-event"'),
      'application/json',
    );
    const received = (await seen) as unknown as Record<string, unknown>;
    expect(Object.getPrototypeOf(received)).toBe(Object.prototype);
    expect(received.x).toBe(1);
  });

  it('answers at once although handlers throw, reject or hang', async () => {
    for (const kind of ['PlayFailed', 'PlayCompleted', 'PlayFailed']) {
      const started = Date.now();
      const response = await test.post('api/callbacks', [
        cloudEvent(kind, { callConnectionId: 'c9' }),
      ]);
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1_000);
    }
    expect(test.logger.messages('error').join('\n')).toContain(
      'Recorder@throws failed on PlayFailed',
    );
  });

  it('cuts off a body far past the limit and still answers 413', async () => {
    const response = await send(
      'api/callbacks',
      new Uint8Array(3 * 1024 * 1024).fill(0x20),
      'application/json',
    );
    expect(response.status).toBe(413);
    expect(((await response.json()) as { statusCode: number }).statusCode).toBe(413);
  });
});
