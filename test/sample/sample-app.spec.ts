import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { AcsEmulator } from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoCallerService } from '../../sample-app/src/demo/demo-caller.service';
import type { StatusView } from '../../sample-app/src/status/status-page';
import type { CapturingLogger } from '../support/capturing-logger';
import { startSample, untilCallerStep } from '../support/sample-app';

/** The sample app as `npm start` runs it offline: the IVR against the embedded emulator. */
describe('sample app', () => {
  let emulator: AcsEmulator;
  let app: INestApplication;
  let base: string;
  let logger: CapturingLogger;

  beforeAll(async () => {
    emulator = await new AcsEmulator().start();
    ({ app, base, logger } = await startSample(emulator));
  });

  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  const untilStep = (caller: string, step: RegExp) =>
    untilCallerStep(logger, caller, step, { flow: 'IVR', timeoutMs: 15_000 });

  it('transfers a caller who presses 1 to the agent', async () => {
    const caller = await app.get(DemoCallerService).placeCall('1');
    const steps = await untilStep(caller, /transferred to the agent/);
    expect(steps).toEqual([
      'incoming call, answering',
      expect.stringMatching(/^connected as call .+, playing the greeting$/),
      'greeting: played',
      'asking for a choice',
      'choice: agent (attempt 1)',
      'transferred to the agent at +15550100200',
    ]);
  });

  it('says goodbye to a caller who presses 2, and hangs up', async () => {
    const caller = await app.get(DemoCallerService).placeCall('2');
    const steps = await untilStep(caller, /hung up/);
    expect(steps.slice(-2)).toEqual(['choice: goodbye (attempt 1)', 'hung up']);
  });

  it('asks a silent caller again, then hangs up after the second silence', async () => {
    const caller = await app.get(DemoCallerService).placeCall('silent');
    const steps = await untilStep(caller, /hung up/);
    expect(steps.slice(-2)).toEqual(['choice: none (noInput after 2 attempts)', 'hung up']);
  });

  it('re-prompts a caller who said nothing, and transfers them when they then say "agent"', async () => {
    const caller = await app.get(DemoCallerService).placeCall('late');
    const steps = await untilStep(caller, /transferred to the agent/);
    expect(steps.slice(-2)).toEqual([
      'choice: agent (attempt 2)',
      'transferred to the agent at +15550100200',
    ]);
  });

  it('shows the calls and their event timelines', async () => {
    const status = (await (await fetch(`${base}/api/status`)).json()) as StatusView;
    expect(status.mode).toBe('ACS emulator');
    expect(status.calls.length).toBeGreaterThanOrEqual(3);
    const kinds = status.calls.flatMap((call) => call.entries.map((entry) => entry.kind));
    expect(kinds).toEqual(
      expect.arrayContaining([
        'IncomingCall',
        'CallConnected',
        'PlayCompleted',
        'RecognizeCompleted',
        'CallDisconnected',
      ]),
    );
    const page = await fetch(base);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('RecognizeCompleted');
    // Each row's offset from the start of its call: never negative (the IncomingCall row was "+-0.01 s").
    const offsets = [...html.matchAll(/<tr[^>]*><td>([^<]*)<\/td>/g)].map((match) => match[1]);
    expect(offsets.length).toBeGreaterThan(0);
    for (const offset of offsets) expect(offset).toMatch(/^\+\d+\.\d\d s$/);
  });

  it('places a demo call from the status page form', async () => {
    const response = await fetch(`${base}/demo/calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'choice=2',
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/');
  });
});
