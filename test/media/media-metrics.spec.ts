import { describe, expect, it } from 'vitest';
import { useOtelSdkAndApp, valueAt } from '../observability/otel-sdk';
import { connectAsAcs, startMediaApp, until, wsUrl } from './support';

describe('the media sessions gauge', () => {
  const running = useOtelSdkAndApp(() => startMediaApp());

  it('counts the media WebSockets open on this replica, as snapshot() does', async () => {
    const { sdk, test } = running;
    const first = await connectAsAcs(wsUrl(test), { callConnectionId: 'call-1' });
    await connectAsAcs(wsUrl(test), { callConnectionId: 'call-2' });
    await until(() => test.processor.snapshot().mediaSessions === 2);
    expect(valueAt(await sdk.points('call_automation.media.sessions'))).toBe(2);
    first.socket.close();
    await first.closed;
    await until(() => test.processor.snapshot().mediaSessions === 1);
    expect(valueAt(await sdk.points('call_automation.media.sessions'))).toBe(1);
  });
});
