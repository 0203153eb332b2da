import 'reflect-metadata';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import {
  Body,
  Controller,
  HttpCode,
  Injectable,
  Module,
  Post,
  RequestMethod,
} from '@nestjs/common';
import { NestFactory, RouterModule } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { CallAutomationModule, type CallEvent, OnCallEvent } from 'nestjs-call-automation';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ADAPTERS, startApp, type TestApp } from '../support/app';
import { cloudEvent } from '../support/events';

@Injectable()
class RecordingHandlers {
  readonly kinds: string[] = [];
  releaseSlow: () => void = () => {};
  readonly slowGate = new Promise<void>((resolve) => {
    this.releaseSlow = resolve;
  });

  @OnCallEvent('*')
  record(event: CallEvent): void {
    this.kinds.push(event.kind);
  }

  @OnCallEvent('PlayCompleted')
  async slow(): Promise<void> {
    await this.slowGate;
  }

  @OnCallEvent('PlayFailed')
  broken(): void {
    throw new Error('handler bug');
  }
}

/** The app's own routes whose paths end like the module's: each echoes the JSON body it parsed. */
@Controller()
class AppOwnRoutes {
  @Post(['stripe/webhook', 'v2/api/callbacks', 'other/api/incomingCall'])
  @HttpCode(200)
  echo(@Body() body: unknown): { echoed: unknown } {
    return { echoed: body };
  }
}

describe.each(ADAPTERS)('webhook on %s', (adapter) => {
  let test: TestApp;
  afterEach(async () => {
    await test?.close();
  });

  const start = async (options = {}) => {
    test = await startApp({ adapter, options, providers: [RecordingHandlers] });
    return test.app.get(RecordingHandlers);
  };

  it('accepts a batch, dispatches every event and answers with a summary', async () => {
    const handlers = await start();
    const batch = [
      cloudEvent('CallConnected', { callConnectionId: 'c1' }),
      cloudEvent('ParticipantsUpdated', {
        callConnectionId: 'c1',
        participants: [],
        sequenceNumber: 1,
      }),
      cloudEvent('CallRinging', { callConnectionId: 'c1' }),
    ];
    const response = await test.post('api/callbacks', batch);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 3, dispatched: 3, duplicates: 0 });
    await test.processor.whenIdle();
    expect(handlers.kinds).toEqual(['CallConnected', 'ParticipantsUpdated', 'CallRinging']);
  });

  it('accepts a single CloudEvent and the CloudEvents batch content type', async () => {
    const handlers = await start();
    const single = await test.post(
      'api/callbacks',
      cloudEvent('CallConnected', { callConnectionId: 'c1' }),
    );
    expect(single.status).toBe(200);
    const batch = await test.post(
      'api/callbacks',
      JSON.stringify([cloudEvent('PlayStarted', { callConnectionId: 'c1' })]),
      {
        'content-type': 'application/cloudevents-batch+json; charset=utf-8',
      },
    );
    expect(batch.status).toBe(200);
    await test.processor.whenIdle();
    expect(handlers.kinds).toEqual(['CallConnected', 'PlayStarted']);
  });

  it('settles a waiter from a callback', async () => {
    await start();
    const waiting = test.processor.waitForEvent({ callConnectionId: 'c1', kind: 'CallConnected' });
    await test.post('api/callbacks', [
      cloudEvent('CallConnected', { callConnectionId: 'c1', operationContext: 'x' }),
    ]);
    await expect(waiting).resolves.toMatchObject({
      kind: 'CallConnected',
      callConnectionId: 'c1',
      operationContext: 'x',
    });
  });

  it('drops redelivered events (same CloudEvent id)', async () => {
    const handlers = await start();
    const event = cloudEvent('CallConnected', { callConnectionId: 'c1' });
    await test.post('api/callbacks', [event]);
    const again = await test.post('api/callbacks', [
      event,
      cloudEvent('PlayStarted', { callConnectionId: 'c1' }),
    ]);
    expect(await again.json()).toEqual({ received: 2, dispatched: 1, duplicates: 1 });
    await test.processor.whenIdle();
    expect(handlers.kinds).toEqual(['CallConnected', 'PlayStarted']);
  });

  it('accepts an empty batch', async () => {
    await start();
    const response = await test.post('api/callbacks', []);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 0, dispatched: 0, duplicates: 0 });
  });

  it.each([
    ['malformed JSON', '[{"id":'],
    ['a JSON number', '42'],
    [
      'a batch with one non-CloudEvent entry',
      JSON.stringify([cloudEvent('CallConnected'), { id: 'x', data: {} }]),
    ],
    [
      'data that is not an object',
      JSON.stringify([{ id: 'x', type: 'Microsoft.Communication.CallConnected', data: 'str' }]),
    ],
  ])('answers 400 with a JSON error for %s, dispatching nothing', async (_name, body) => {
    const handlers = await start();
    const response = await test.post('api/callbacks', body);
    expect(response.status).toBe(400);
    const error = (await response.json()) as { statusCode: number; message: unknown };
    expect(error.statusCode).toBe(400);
    expect(typeof error.message).toBe('string');
    await test.processor.whenIdle();
    expect(handlers.kinds).toEqual([]);
  });

  it('answers 415 for a content type other than JSON', async () => {
    await start();
    const response = await test.post('api/callbacks', 'id=1', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { message: string }).message).toMatch(
      /Content-Type must be application\/json/,
    );
  });

  it('answers 413 past maxBodyBytes and accepts bodies below it', async () => {
    const handlers = await start({ maxBodyBytes: 64 * 1024 });
    const event = (pad: number) =>
      cloudEvent('PlayStarted', { callConnectionId: 'c1', pad: 'x'.repeat(pad) });
    const small = await test.post('api/callbacks', [event(60 * 1024)]);
    expect(small.status).toBe(200);
    const large = await test.post('api/callbacks', [event(70 * 1024)]);
    expect(large.status).toBe(413);
    expect(((await large.json()) as { statusCode: number }).statusCode).toBe(413);
    await test.processor.whenIdle();
    expect(handlers.kinds).toEqual(['PlayStarted']);
  });

  it('accepts bodies up to the 1 MiB default, beyond the framework parser default', async () => {
    const handlers = await start();
    const batch = Array.from({ length: 1_400 }, () =>
      cloudEvent('PlayStarted', { callConnectionId: 'c1', pad: 'x'.repeat(400) }),
    );
    const body = JSON.stringify(batch);
    expect(body.length).toBeGreaterThan(700_000);
    expect(body.length).toBeLessThan(1_048_576);
    const response = await test.post('api/callbacks', body);
    expect(response.status).toBe(200);
    const tooLarge = await test.post('api/callbacks', JSON.stringify([...batch, ...batch]));
    expect(tooLarge.status).toBe(413);
    await test.processor.whenIdle();
    expect(handlers.kinds).toHaveLength(1_400);
  });

  it('answers before slow handlers finish, and a throwing handler does not fail it', async () => {
    const handlers = await start();
    const slow = await test.post('api/callbacks', [
      cloudEvent('PlayCompleted', { callConnectionId: 'c1' }),
    ]);
    expect(slow.status).toBe(200);
    await vi.waitFor(() => expect(handlers.kinds).toEqual(['PlayCompleted']));
    const broken = await test.post('api/callbacks', [
      cloudEvent('PlayFailed', { callConnectionId: 'c1' }),
    ]);
    expect(broken.status).toBe(200);
    handlers.releaseSlow();
    await test.processor.whenIdle();
    expect(test.logger.messages('error').join('\n')).toContain(
      'RecordingHandlers@broken failed on PlayFailed',
    );
  });

  it('serves the route given in webhookPath, under the global prefix', async () => {
    test = await startApp({ adapter, options: { webhookPath: 'hooks/acs' }, globalPrefix: 'v1' });
    expect((await test.post('v1/hooks/acs', [cloudEvent('CallConnected')])).status).toBe(200);
    expect((await test.post('api/callbacks', [cloudEvent('CallConnected')])).status).toBe(404);
  });

  describe('takes only its own routes (an app route that merely ends like one keeps its body)', () => {
    const echo = async (path: string) => {
      const response = await test.post(path, { amount: 42, currency: 'eur' });
      return { status: response.status, body: await response.json() };
    };

    it("with webhookPath 'webhook': the app's POST /stripe/webhook gets its parsed JSON", async () => {
      test = await startApp({
        adapter,
        options: { webhookPath: 'webhook' },
        controllers: [AppOwnRoutes],
      });
      expect(await echo('stripe/webhook')).toEqual({
        status: 200,
        body: { echoed: { amount: 42, currency: 'eur' } },
      });
      expect((await test.post('webhook', [cloudEvent('CallConnected')])).status).toBe(200);
    });

    it("with the default routes: the app's POST /v2/api/callbacks and /other/api/incomingCall get theirs", async () => {
      test = await startApp({ adapter, controllers: [AppOwnRoutes] });
      for (const path of ['v2/api/callbacks', 'other/api/incomingCall']) {
        expect(await echo(path)).toEqual({
          status: 200,
          body: { echoed: { amount: 42, currency: 'eur' } },
        });
      }
      // the module's own route still reads its body itself (a compressed one, say)
      const own = await test.post(
        'api/callbacks',
        gzipSync(JSON.stringify([cloudEvent('CallConnected')])),
        {
          'content-encoding': 'gzip',
        },
      );
      expect(own.status).toBe(200);
    });

    it('under a global prefix: its routes are the prefixed ones, the app keeps /v1/v2/api/callbacks', async () => {
      test = await startApp({ adapter, controllers: [AppOwnRoutes], globalPrefix: 'v1' });
      expect(await echo('v1/v2/api/callbacks')).toEqual({
        status: 200,
        body: { echoed: { amount: 42, currency: 'eur' } },
      });
      // read by the module's reader (maxBodyBytes, not the framework parser's 100 kB or 1 MiB)
      const large = JSON.stringify([
        cloudEvent('CallConnected', { callConnectionId: 'p1', pad: 'x'.repeat(1_100_000) }),
      ]);
      const own = await test.post('v1/api/callbacks', gzipSync(large), {
        'content-encoding': 'gzip',
      });
      expect(own.status).toBe(413);
      expect((await test.post('v1/api/callbacks', large.replace(/x{200000}/, ''))).status).toBe(
        200,
      );
    });

    it('under a RouterModule path given to the module', async () => {
      test = await startApp({
        adapter,
        controllers: [AppOwnRoutes],
        imports: [RouterModule.register([{ path: 'acs', module: CallAutomationModule }])],
      });
      const large = JSON.stringify([
        cloudEvent('CallConnected', { callConnectionId: 'r1', pad: 'x'.repeat(900_000) }),
      ]);
      // past the framework parsers' limits: only the module's reader takes it
      expect((await test.post('acs/api/callbacks', large)).status).toBe(200);
      const gzipped = await test.post(
        'acs/api/callbacks',
        gzipSync(JSON.stringify([cloudEvent('CallConnected')])),
        {
          'content-encoding': 'gzip',
        },
      );
      expect(gzipped.status).toBe(200);
      expect(await echo('v2/api/callbacks')).toMatchObject({ status: 200 });
    });

    it("with its route excluded from the global prefix (setGlobalPrefix's exclude)", async () => {
      @Module({ imports: [CallAutomationModule.forRoot()], controllers: [AppOwnRoutes] })
      class ExcludingApp {}
      const app =
        adapter === 'fastify'
          ? await NestFactory.create(ExcludingApp, new FastifyAdapter(), { logger: false })
          : await NestFactory.create(ExcludingApp, { logger: false });
      app.setGlobalPrefix('v1', {
        exclude: [{ path: 'api/callbacks', method: RequestMethod.POST }],
      });
      await app.listen(0, '127.0.0.1');
      try {
        const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
        const gzipped = await fetch(`${base}/api/callbacks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: gzipSync(JSON.stringify([cloudEvent('CallConnected')])),
        });
        expect(gzipped.status).toBe(200); // read by the module's reader: it decodes
        const echoed = await fetch(`${base}/v1/v2/api/callbacks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ amount: 1 }),
        });
        expect(await echoed.json()).toEqual({ echoed: { amount: 1 } });
      } finally {
        await app.close();
      }
    });
  });

  describe('compressed bodies (Content-Encoding, as a proxy may add)', () => {
    const batch = () => JSON.stringify([cloudEvent('PlayStarted', { callConnectionId: 'z1' })]);

    it.each([
      ['gzip', (text: string) => gzipSync(text)],
      ['x-gzip', (text: string) => gzipSync(text)],
      ['deflate', (text: string) => deflateSync(text)],
      ['br', (text: string) => brotliCompressSync(text)],
    ])('decodes a %s body and dispatches its events', async (coding, encode) => {
      const handlers = await start();
      const response = await test.post('api/callbacks', encode(batch()), {
        'content-encoding': coding,
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ received: 1, dispatched: 1, duplicates: 0 });
      await test.processor.whenIdle();
      expect(handlers.kinds).toEqual(['PlayStarted']);
    });

    it('decodes a gzip Event Grid delivery too', async () => {
      await start();
      const waiting = test.processor.waitForEvent({ kind: 'IncomingCall' });
      const delivery = [
        {
          id: 'gz-1',
          eventType: 'Microsoft.Communication.IncomingCall',
          subject: 'x',
          eventTime: new Date().toISOString(),
          dataVersion: '1.0',
          data: { incomingCallContext: 'ctx', serverCallId: 's', correlationId: 'c' },
        },
      ];
      const response = await test.post('api/incomingCall', gzipSync(JSON.stringify(delivery)), {
        'content-encoding': 'gzip',
        'aeg-event-type': 'Notification',
      });
      expect(response.status).toBe(200);
      await expect(waiting).resolves.toMatchObject({ kind: 'IncomingCall' });
    });

    it('counts maxBodyBytes in decoded bytes: a small zip bomb is a 413, a compressed body within the limit passes', async () => {
      const handlers = await start({ maxBodyBytes: 64 * 1024 });
      const event = (pad: number) =>
        JSON.stringify([
          cloudEvent('PlayStarted', { callConnectionId: 'z1', pad: 'x'.repeat(pad) }),
        ]);
      // 60 KiB decoded, far less compressed: within the limit
      const within = await test.post('api/callbacks', gzipSync(event(60 * 1024)), {
        'content-encoding': 'gzip',
      });
      expect(within.status).toBe(200);
      // 70 KiB decoded from under 1 KiB on the wire: past the limit
      const past = gzipSync(event(70 * 1024));
      expect(past.length).toBeLessThan(1024);
      const refused = await test.post('api/callbacks', past, { 'content-encoding': 'gzip' });
      expect(refused.status).toBe(413);
      // 256 MiB of zeros in 255 KiB: refused without being inflated into memory
      const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024), { level: 9 });
      const before = process.memoryUsage().arrayBuffers;
      const bombed = await test.post('api/callbacks', bomb, { 'content-encoding': 'gzip' });
      expect(bombed.status).toBe(413);
      expect(((await bombed.json()) as { statusCode: number }).statusCode).toBe(413);
      const grown = (process.memoryUsage().arrayBuffers - before) / 2 ** 20;
      console.log(
        `[gzip] 256 MiB zip bomb (${bomb.length} bytes): array buffers grew ${grown.toFixed(1)} MiB`,
      );
      expect(grown).toBeLessThan(64); // far below the 256 MiB an unbounded inflate would hold
      await test.processor.whenIdle();
      expect(handlers.kinds).toEqual(['PlayStarted']);
    });

    it.each([
      ['compress', 'compress'],
      ['zstd', 'zstd'],
      ['two codings', 'gzip, br'],
    ])('answers 415 naming the coding for %s', async (_name, coding) => {
      const handlers = await start();
      const response = await test.post('api/callbacks', gzipSync(batch()), {
        'content-encoding': coding,
      });
      expect(response.status).toBe(415);
      expect(((await response.json()) as { message: string }).message).toContain(
        `Content-Encoding '${coding}' is not supported`,
      );
      await test.processor.whenIdle();
      expect(handlers.kinds).toEqual([]);
    });

    it('answers 400 for bytes that are not what their Content-Encoding says', async () => {
      await start();
      const response = await test.post('api/callbacks', batch(), { 'content-encoding': 'gzip' });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(
        /not valid gzip data/,
      );
      const truncated = gzipSync(batch());
      const cut = await test.post('api/callbacks', truncated.subarray(0, truncated.length - 10), {
        'content-encoding': 'gzip',
      });
      expect(cut.status).toBe(400);
    });
  });
});
