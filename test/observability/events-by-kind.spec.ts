import { callEvents } from 'nestjs-call-automation/testing';
import { describe, expect, it } from 'vitest';
import { startApp } from '../support/app';
import { useOtelSdkAndApp, valueAt } from './otel-sdk';

/** `call_automation.events.received` counts a batch per kind (one `add` per kind, not per event). */
describe('events received by kind, in one batch (real SDK)', () => {
  const running = useOtelSdkAndApp(() => startApp());

  it('counts every event of a mixed batch under its kind, duplicates included', async () => {
    const { sdk, test } = running;
    const started = callEvents.playStarted({ callConnectionId: 'c1' });
    await test.processor.processEvents([
      started,
      callEvents.playStarted({ callConnectionId: 'c2' }),
      callEvents.playCompleted({ callConnectionId: 'c1' }),
      callEvents.playStarted({ callConnectionId: 'c3' }),
      started, // the same CloudEvent again: a duplicate, still received
    ]);
    const received = await sdk.points('call_automation.events.received');
    expect(valueAt(received, { 'call_automation.event.kind': 'PlayStarted' })).toBe(4);
    expect(valueAt(received, { 'call_automation.event.kind': 'PlayCompleted' })).toBe(1);
    expect(received).toHaveLength(2);
    expect(valueAt(await sdk.points('call_automation.events.duplicates'))).toBe(1);
  });
});
