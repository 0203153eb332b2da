import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { AcsEmulator } from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoCallerService } from '../../sample-app/src/demo/demo-caller.service';
import { callerSteps, type RunningSample, startSample } from '../support/sample-app';
import { type OtelSdk, registerOtelSdk } from './otel-sdk';
import { renderSpanTree } from './span-tree';

const idOf = (span: ReadableSpan) => span.spanContext().spanId;

/**
 * The trace of one call of the sample's IVR (the caller presses 2: greeting, menu, goodbye,
 * hang-up) with the real SDK and its in-memory exporter. `PRINT_TRACE=1` prints it as a text
 * tree (docs/observability.md shows one):
 *
 *   PRINT_TRACE=1 npx vitest run test/observability/sample-ivr-trace.spec.ts
 */
describe('trace of one sample IVR call (real SDK, emulator)', () => {
  let sdk: OtelSdk;
  let emulator: AcsEmulator;
  let sample: RunningSample;

  beforeAll(async () => {
    sdk = registerOtelSdk(); // before the app is created, as the sample's main.ts does
    emulator = await new AcsEmulator().start();
    sample = await startSample(emulator);
  });
  afterAll(async () => {
    await sample?.app.close();
    await emulator?.stop();
    await sdk?.shutdown();
  });

  it('the IVR handler under the IncomingCall batch, each operation under the handler, linked to the batch of its outcome', async () => {
    const caller = await sample.app.get(DemoCallerService).placeCall('2');
    await expect
      .poll(() => callerSteps(sample.logger, caller).includes('hung up'), { timeout: 15_000 })
      .toBe(true);
    // The hang-up's CallDisconnected, and the timeline's handler of it, have been processed.
    await expect
      .poll(() =>
        sdk
          .finished()
          .some(
            (span) =>
              span.name === 'call_automation handler CallTimelineService@record' &&
              span.attributes['call_automation.event.kind'] === 'CallDisconnected',
          ),
      )
      .toBe(true);
    const spans = sdk.finished();
    const tree = renderSpanTree(spans);
    if (process.env.PRINT_TRACE) console.log(`The trace of one sample IVR call:\n${tree}`);

    const ivr = spans.filter(
      (span) => span.name === 'call_automation handler IvrService@onIncomingCall',
    );
    expect(ivr, tree).toHaveLength(1);
    const handler = ivr[0] as ReadableSpan;
    const batch = spans.find((span) => idOf(span) === handler.parentSpanContext?.spanId);
    expect(batch?.name).toBe('call_automation process_events');
    const operations = spans
      .filter((span) => span.parentSpanContext?.spanId === idOf(handler))
      .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
    expect(operations.map((span) => span.name)).toEqual([
      'call_automation answerCall',
      'call_automation playToAll', // greeting
      'call_automation startRecognizing', // the menu
      'call_automation playToAll', // goodbye
      'call_automation hangUp',
    ]);
    for (const operation of operations) {
      expect(operation.attributes['call_automation.outcome'], tree).toBe('success');
      // Each outcome came on another webhook request: linked to its batch's span.
      const linked = operation.links.map((link) =>
        spans.find((span) => idOf(span) === link.context.spanId),
      );
      expect(linked.map((span) => span?.name)).toEqual(['call_automation process_events']);
    }
  });
});
