import { Injectable } from '@nestjs/common';
import { OnCallEvent } from 'nestjs-call-automation';
import { callEvents } from 'nestjs-call-automation/testing';
import { describe, expect, it } from 'vitest';
import { startApp } from '../support/app';
import { useOtelSdkAndApp, valueAt } from './otel-sdk';

/** Fails on every ParticipantsUpdated: the handler-errors metric counts it. */
@Injectable()
class FailingRoster {
  @OnCallEvent('ParticipantsUpdated')
  onParticipants(): void {
    throw new Error('the roster is broken');
  }

  @OnCallEvent('PlayCompleted')
  async onPlayed(): Promise<void> {
    throw new Error('the play log is broken');
  }
}

describe('metrics after a known sequence of events (real SDK)', () => {
  const running = useOtelSdkAndApp(() =>
    startApp({ options: { backlogTtlMs: 60_000 }, providers: [FailingRoster] }),
  );

  it('counts events by kind, duplicates and handler errors; gauges the pending state; operation durations by outcome', async () => {
    const { sdk, test } = running;
    const { processor } = test;
    const played = callEvents.playCompleted({ callConnectionId: 'c1', operationContext: 'op1' });
    const roster = callEvents.participantsUpdated({ callConnectionId: 'c1' });
    await processor.processEvents([played, roster]);
    await processor.processEvents([played]); // a redelivery: a duplicate
    await processor.processEvents(callEvents.playStarted({ callConnectionId: 'c2' }));
    await processor.whenIdle();

    const received = await sdk.points('call_automation.events.received');
    expect(valueAt(received, { 'call_automation.event.kind': 'PlayCompleted' })).toBe(2);
    expect(valueAt(received, { 'call_automation.event.kind': 'ParticipantsUpdated' })).toBe(1);
    expect(valueAt(received, { 'call_automation.event.kind': 'PlayStarted' })).toBe(1);
    expect(valueAt(await sdk.points('call_automation.events.duplicates'))).toBe(1);
    const errors = await sdk.points('call_automation.handler.errors');
    expect(valueAt(errors, { 'call_automation.handler': 'FailingRoster@onParticipants' })).toBe(1);
    expect(valueAt(errors, { 'call_automation.handler': 'FailingRoster@onPlayed' })).toBe(1);
    // No call id on any metric.
    for (const point of [...received, ...errors]) {
      expect(Object.values(point.attributes)).not.toContain('c1');
    }

    // Three unclaimed events wait in the backlog; one waiter and two operations are pending.
    expect(valueAt(await sdk.points('call_automation.backlog.size'))).toBe(3);
    const waiting = processor.waitForEvent({ kind: 'CallConnected', callConnectionId: 'c3' });
    const succeeding = processor.registerOperation({
      operationContext: 'op-success',
      successKinds: ['PlayCompleted'],
      failureKinds: ['PlayFailed'],
      name: 'playToAll',
    });
    processor.registerOperation({
      operationContext: 'op-pending',
      successKinds: ['PlayCompleted'],
      failureKinds: ['PlayFailed'],
      name: 'playToAll',
    });
    expect(valueAt(await sdk.points('call_automation.waiters.pending'))).toBe(1);
    expect(valueAt(await sdk.points('call_automation.operations.pending'))).toBe(2);
    const detach = processor.attachOngoingEventProcessor('c4', '*', () => undefined);
    expect(valueAt(await sdk.points('call_automation.calls.with_ongoing_handlers'))).toBe(1);
    detach();

    await processor.processEvents([
      callEvents.callConnected({ callConnectionId: 'c3' }),
      callEvents.playCompleted({ callConnectionId: 'c5', operationContext: 'op-success' }),
    ]);
    await waiting;
    expect(succeeding.isSettled).toBe(true);
    expect(valueAt(await sdk.points('call_automation.waiters.pending'))).toBe(0);
    expect(valueAt(await sdk.points('call_automation.operations.pending'))).toBe(1);
    await processor.whenIdle();
    // Each handler failure is logged and counted: the second PlayCompleted failed onPlayed again.
    expect(test.logger.messages('error')).toHaveLength(3);
    const after = await sdk.points('call_automation.handler.errors');
    expect(valueAt(after, { 'call_automation.handler': 'FailingRoster@onPlayed' })).toBe(2);

    // Each handler run has its span; a throw (sync or async) is recorded on it.
    const handlerSpans = sdk
      .finished()
      .filter((span) => span.name.startsWith('call_automation handler FailingRoster@'));
    expect(handlerSpans).toHaveLength(3); // onParticipants once, onPlayed twice
    for (const span of handlerSpans) {
      expect(span.status.code).toBe(2);
      expect(span.events.find((event) => event.name === 'exception')?.attributes).toMatchObject({
        'exception.message': expect.stringMatching(/is broken/),
      });
    }
  });
});
