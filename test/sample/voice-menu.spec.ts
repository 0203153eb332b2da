import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { AcsEmulator } from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../sample-app/src/config';
import { callerVoice } from '../../sample-app/src/demo/caller-voice';
import { DemoCallerService } from '../../sample-app/src/demo/demo-caller.service';
import type { StatusView } from '../../sample-app/src/status/status-page';
import type { CapturingLogger } from '../support/capturing-logger';
import { startSample, untilCallerStep } from '../support/sample-app';

/**
 * The sample's voice menu as `npm start` runs it offline: the demo caller dials the voice menu
 * number, the emulator opens the media and transcription WebSockets to the app's /api/media,
 * the caller's audio is echoed back, their speech barges in and picks the branch.
 */
describe('sample app: voice menu over media streaming and live transcription', () => {
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
    expect(logger.messages('error')).toEqual([]);
  });

  const untilStep = (caller: string, step: RegExp) =>
    untilCallerStep(logger, caller, step, { flow: 'voice menu', timeoutMs: 20_000 });

  const callIdOf = (seen: string[]) =>
    seen.map((line) => /^connected as call (\S+),/.exec(line)?.[1]).find(Boolean) ?? '';

  it('transfers a caller who says "I want an agent"; their audio was echoed back and their speech stopped it', async () => {
    const caller = await app.get(DemoCallerService).placeCall('say-agent');
    const seen = await untilStep(caller, /transferred to the agent/);
    expect(seen).toEqual([
      'incoming call to the voice menu, answering',
      expect.stringMatching(/^connected as call .+, streaming audio and transcribing$/),
      'menu played, listening',
      'heard "I want an agent": agent (attempt 1)',
      'echo: 25 frames of the caller played back, 1 barge-in(s)',
      'transferred to the agent at +15550100200',
    ]);
    const id = callIdOf(seen);
    // ACS got back exactly the caller's audio (its silence skipped), then one StopAudio when
    // the caller started speaking.
    const stream = emulator.mediaStream(id);
    expect(stream.outboundAudio).toEqual(callerVoice());
    expect(stream.stopAudioCount).toBe(1);
    expect(stream.received.at(-1)?.kind).toBe('StopAudio');
    // The media socket went to the module's publicUrl, not a URL the flow named.
    expect(stream.transportUrl).toBe(`${base.replace('http', 'ws')}/api/media`);
  });

  it('says goodbye to a caller who says "Goodbye for now." and hangs up', async () => {
    const caller = await app.get(DemoCallerService).placeCall('say-goodbye');
    const seen = await untilStep(caller, /hung up/);
    expect(seen.slice(3)).toEqual([
      'heard "Goodbye for now.": goodbye (attempt 1)',
      'echo: 25 frames of the caller played back, 1 barge-in(s)',
      'hung up',
    ]);
    const stream = emulator.mediaStream(callIdOf(seen));
    await stream.waitForClose();
    expect(stream.outboundAudio).toEqual(callerVoice());
  });

  it('asks again when the phrase names no choice, and takes the next one', async () => {
    const from = '+15550109999';
    await emulator.placeIncomingCall({
      url: `${base}/api/incomingCall`,
      from,
      to: readConfig({}).voiceMenuPhoneNumber,
      caller: {
        audio: 'silence',
        says: [
          { text: 'A large pizza', afterMs: 300 },
          { text: 'Goodbye', afterMs: 600 },
        ],
      },
    });
    const seen = await untilStep(from, /hung up/);
    expect(seen.slice(2)).toEqual([
      'menu played, listening',
      'heard "A large pizza": no choice (attempt 1)',
      'asked again, listening',
      'heard "Goodbye": goodbye (attempt 2)',
      'echo: 0 frames of the caller played back, 1 barge-in(s)',
      'hung up',
    ]);
  });

  it('shows the transcript lines in the call’s timeline and counts media sessions', async () => {
    const status = (await (await fetch(`${base}/api/status`)).json()) as StatusView;
    expect(status.processor.mediaSessions).toBeGreaterThanOrEqual(0);
    const call = status.calls.find((entry) =>
      entry.entries.some((line) => line.detail === 'Final: "I want an agent"'),
    );
    expect(call?.entries.map((line) => line.kind)).toEqual(
      expect.arrayContaining(['IncomingCall', 'CallConnected', 'TranscriptionData', 'IVR']),
    );
    expect(call?.entries.map((line) => line.detail)).toContain('Intermediate: "i want"');
    const html = await (await fetch(base)).text();
    expect(html).toMatch(/data-count="mediaSessions">\d+<\/b> media sessions/);
    expect(html).toContain('Final: &#34;I want an agent&#34;');
  });
});
