import { callEvents } from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { type OtelSdk, registerOtelSdk, valueAt } from './otel-sdk';

/** `call_automation.calls.in_progress`: calls connected and not disconnected, on this replica. */
describe('calls-in-progress gauge (real SDK)', () => {
  let sdk: OtelSdk;
  let test: TestApp;

  beforeAll(async () => {
    sdk = registerOtelSdk();
    test = await startApp();
  });
  afterAll(async () => {
    await test?.close();
    await sdk.shutdown();
  });

  const inProgress = async () => valueAt(await sdk.points('call_automation.calls.in_progress'));

  it('counts a call from its CallConnected to its CallDisconnected, once, and never one that ended', async () => {
    const { processor } = test;
    expect(await inProgress()).toBe(0);

    await processor.processEvents([
      callEvents.callConnected({ callConnectionId: 'c1' }),
      callEvents.callConnected({ callConnectionId: 'c2' }),
    ]);
    // Another event of a connected call, and a second CallConnected of it (a new id), count once.
    await processor.processEvents(callEvents.playCompleted({ callConnectionId: 'c1' }));
    await processor.processEvents(callEvents.callConnected({ callConnectionId: 'c1' }));
    expect(await inProgress()).toBe(2);
    expect(processor.snapshot().callsInProgress).toBe(2);

    await processor.processEvents(callEvents.callDisconnected({ callConnectionId: 'c1' }));
    expect(await inProgress()).toBe(1);

    // A late CallConnected of the ended call, and the CallDisconnected of a call never seen
    // connected here, change nothing.
    await processor.processEvents(callEvents.callConnected({ callConnectionId: 'c1' }));
    await processor.processEvents(callEvents.callDisconnected({ callConnectionId: 'c9' }));
    expect(await inProgress()).toBe(1);

    await processor.processEvents(callEvents.callDisconnected({ callConnectionId: 'c2' }));
    expect(await inProgress()).toBe(0);
  });
});
