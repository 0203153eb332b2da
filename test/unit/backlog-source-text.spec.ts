import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CallAutomationModule, EventProcessorService } from 'nestjs-call-automation';
import { callEvents } from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudEvent } from '../support/events';

/**
 * An event that arrives alone as JSON text is kept in the backlog as that text and parsed
 * again for a late waiter: the late waiter must get exactly what a live waiter got.
 */
describe('backlogged events kept as the text they came in', () => {
  let app: INestApplicationContext;
  let processor: EventProcessorService;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CallAutomationModule.forRoot()],
    }).compile();
    app = await moduleRef.init();
    processor = app.get(EventProcessorService);
  });
  afterAll(async () => {
    await app?.close();
  });

  const samples = {
    PlayCompleted: () => callEvents.playCompleted({ operationContext: 'greeting' }),
    RecognizeCompleted: () => callEvents.recognizeCompleted(),
    // The SDK converts this one's identifiers: the backlog must convert them again.
    ParticipantsUpdated: () => callEvents.participantsUpdated(),
    'an unknown kind': () => cloudEvent('SomethingNew', { callConnectionId: 'c-new', extra: [1] }),
  };
  const encodings: [string, (event: object) => string | Uint8Array][] = [
    ['a batch as text', (event) => JSON.stringify([event])],
    ['one CloudEvent as text', (event) => JSON.stringify(event)],
    ['a batch as bytes', (event) => Buffer.from(JSON.stringify([event]))],
    ['text with whitespace', (event) => `\n [ ${JSON.stringify(event, null, 2)} ]\t`],
  ];

  for (const [kind, make] of Object.entries(samples)) {
    for (const [encoding, encode] of encodings) {
      it(`${kind}, posted as ${encoding}`, async () => {
        const event = make();
        const call = event.data.callConnectionId as string;
        const live = processor.waitForEvent({ callConnectionId: call }, { timeoutMs: 1_000 });
        await processor.processEvents(encode(event));
        const late = { ...event, id: `${event.id}-again` };
        await processor.processEvents(encode(late));
        const fromBacklog = await processor.waitForEvent(
          { callConnectionId: call },
          { timeoutMs: 1_000 },
        );
        expect(fromBacklog).toEqual(await live);
        expect(Object.keys(fromBacklog)).toEqual(Object.keys(await live));
      });
    }
  }

  it('keeps a lone event with a large envelope by its event alone', async () => {
    const event = { ...callEvents.playStarted(), padding: 'x'.repeat(20_000) };
    await processor.processEvents(JSON.stringify([event]));
    const kept = await processor.waitForEvent(
      { callConnectionId: event.data.callConnectionId },
      { timeoutMs: 1_000 },
    );
    expect(kept).toMatchObject({
      kind: 'PlayStarted',
      callConnectionId: event.data.callConnectionId,
    });
    expect(kept).not.toHaveProperty('padding');
  });
});
