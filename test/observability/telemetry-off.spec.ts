import * as api from '@opentelemetry/api';
import { callEvents } from 'nestjs-call-automation/testing';
import { describe, expect, it } from 'vitest';
import { CallTelemetry } from '../../lib/observability/call-telemetry';
import { startApp } from '../support/app';

describe('telemetry without an SDK, or without @opentelemetry/api', () => {
  it('the API without a registered SDK: tracing and metrics are off and handlers run unwrapped', () => {
    const telemetry = new CallTelemetry(api);
    expect(telemetry.tracing).toBe(false);
    expect(telemetry.metering).toBe(false);
    const handler = () => 'ran';
    expect(telemetry.wrapHandler('A@b', 'PlayCompleted', handler)).toBe(handler);
    expect(telemetry.startOperation('playToAll', 'c1', 'op1')).toBeUndefined();
    expect(telemetry.activeTraceparent()).toBeUndefined();
  });

  it('a missing @opentelemetry/api package: everything is off, nothing throws', async () => {
    const missing = () => Promise.reject(new Error("Cannot find module '@opentelemetry/api'"));
    const telemetry = await CallTelemetry.load(missing);
    expect(telemetry).toBe(CallTelemetry.off);
    expect(telemetry.tracing || telemetry.metering).toBe(false);
    expect(telemetry.observe(() => ({}) as never)).toBeTypeOf('function');
  });

  it('an app with no SDK registered processes events as before', async () => {
    const test = await startApp();
    try {
      const summary = await test.processor.processEvents([
        callEvents.playCompleted({ callConnectionId: 'c1' }),
      ]);
      expect(summary).toEqual({ received: 1, dispatched: 1, duplicates: 0 });
      expect(api.trace.getActiveSpan()).toBeUndefined();
    } finally {
      await test.close();
    }
  });
});
