import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { type CallEvent, OnCallEvent } from 'nestjs-call-automation';
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
});
