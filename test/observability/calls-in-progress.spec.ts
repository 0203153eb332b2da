import { callEvents } from 'nestjs-call-automation/testing';
import { describe, expect, it } from 'vitest';
import { startApp } from '../support/app';
import { useOtelSdkAndApp, valueAt } from './otel-sdk';

/** `call_automation.calls.in_progress`: calls connected and not disconnected, on this replica. */
describe('calls-in-progress gauge (real SDK)', () => {
  const running = useOtelSdkAndApp(() => startApp());

  const inProgress = async () =>
    valueAt(await running.sdk.points('call_automation.calls.in_progress'));

  it('counts a call from its CallConnected to its CallDisconnected, once, and never one that ended', async () => {
    const { processor } = running.test;
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
