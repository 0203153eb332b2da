import 'reflect-metadata';
import { describe, expect, it, vi } from 'vitest';
import { startApp, type TestApp } from '../support/app';
import { cloudEvent } from '../support/events';

/** An Event Grid delivery of one IncomingCall. */
function incomingCall(id: string) {
  return [
    {
      id,
      eventType: 'Microsoft.Communication.IncomingCall',
      subject: '/caller/4:+1555/recipient/8:acs:bot',
      data: { incomingCallContext: `ctx-${id}`, serverCallId: 's1', correlationId: 'corr' },
    },
  ];
}

const postIncomingCall = (test: TestApp, id: string) =>
  test.post('api/incomingCall', incomingCall(id), { 'aeg-event-type': 'Notification' });

describe('Drain on shutdown (drainTimeoutMs)', () => {
  it('refuses new calls with 503 while a call in progress goes on to its end, then shuts down', async () => {
    const test = await startApp({ options: { drainTimeoutMs: 20_000 } });
    const waiting = test.processor.waitForEvent({
      callConnectionId: 'call-drain',
      kind: 'PlayCompleted',
    });
    expect(test.processor.isDraining).toBe(false);
    let closed = false;
    const closing = test.close().then(() => {
      closed = true;
    });
    await vi.waitFor(() => expect(test.processor.isDraining).toBe(true));
    // New calls go elsewhere...
    const refused = await postIncomingCall(test, 'incoming-during-drain');
    expect(refused.status).toBe(503);
    expect(await refused.text()).toMatch(/shutting down and takes no new calls/);
    expect(closed).toBe(false);
    // ...while the call in progress still gets its callbacks.
    const played = await test.post('api/callbacks', [
      cloudEvent('PlayCompleted', { callConnectionId: 'call-drain' }),
    ]);
    expect(played.status).toBe(200);
    await expect(waiting).resolves.toMatchObject({ kind: 'PlayCompleted' });
    await closing;
    expect(closed).toBe(true);
  });

  it('shuts down after drainTimeoutMs when a call does not end, saying what was left', async () => {
    const test = await startApp({ options: { drainTimeoutMs: 300 } });
    const waiting = test.processor.waitForEvent({
      callConnectionId: 'call-stuck',
      kind: 'PlayCompleted',
    });
    const outcome = waiting.then(
      () => 'settled',
      (error: Error) => error.message,
    );
    await test.close();
    expect(await outcome).toMatch(/shutting down/i);
    expect(test.logger.messages('warn').join('\n')).toMatch(
      /Still in progress 300 ms after draining began \(option drainTimeoutMs\): 1 waiter\(s\)/,
    );
  });

  it('without drainTimeoutMs, shuts down at once as before: pending waits end', async () => {
    const test = await startApp();
    const waiting = test.processor.waitForEvent({
      callConnectionId: 'call-no-drain',
      kind: 'PlayCompleted',
    });
    const outcome = waiting.then(
      () => 'settled',
      (error: Error) => error.message,
    );
    await test.close();
    expect(await outcome).toMatch(/shutting down/i);
    expect(test.processor.isDraining).toBe(false);
  });

  it('takes new calls while not draining', async () => {
    const test = await startApp({ options: { drainTimeoutMs: 1_000 } });
    try {
      expect((await postIncomingCall(test, 'incoming-normal')).status).toBe(200);
    } finally {
      await test.close();
    }
  });
});
