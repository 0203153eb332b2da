import { CallOperationFailedError, type PlaySource } from 'nestjs-call-automation';
import { afterEach, describe, expect, it } from 'vitest';
import { connectedCall, until, useClientHarness } from '../client/support';
import { hangUpAll, remoteHangUp, scriptedParty, untilProcessorIsEmpty } from './support';

const say = (text: string): PlaySource => ({ kind: 'textSource', text });
const MENU = say('Say agent or press 1; say goodbye or press 2.');
const NO_INPUT = say('Sorry, I did not hear you.');
const NO_MATCH = say('Sorry, that is not an option.');
const CHOICES = [
  { label: 'agent', phrases: ['agent', 'representative'], tone: 'one' as const },
  { label: 'goodbye', phrases: ['goodbye'], tone: 'two' as const },
];

describe('call.prompt against the emulator', () => {
  const harness = useClientHarness();
  afterEach(() => hangUpAll(harness));

  function recognizeOutcomes(callConnectionId: string): string[] {
    return harness.emulator.deliveries
      .filter(
        (delivery) =>
          delivery.callConnectionId === callConnectionId &&
          delivery.kind?.startsWith('Recognize') === true,
      )
      .filter((delivery) => delivery.attempt === 1 && !delivery.duplicate)
      .map((delivery) => {
        const data = (delivery.event as { data?: { resultInformation?: { subCode?: number } } })
          .data;
        return `${delivery.kind} ${data?.resultInformation?.subCode ?? '?'}`;
      });
  }

  it('goes noInput -> noMatch -> matched: silence, a wrong key, then a choice by its tone', async () => {
    const party = scriptedParty(harness, {
      inputs: [{ silence: true }, { dtmf: '9' }, { dtmf: '1' }],
    });
    const call = await harness.calls.dial(party);
    const answer = await call.prompt({
      play: MENU,
      choices: CHOICES,
      noInput: NO_INPUT,
      noMatch: NO_MATCH,
    });
    expect(answer).toEqual({ status: 'matched', kind: 'choice', label: 'agent', attempts: 3 });
    await until(() => recognizeOutcomes(call.callConnectionId).length === 3, 'three recognizes');
    expect(recognizeOutcomes(call.callConnectionId)).toEqual([
      'RecognizeFailed 8510',
      'RecognizeFailed 8534',
      'RecognizeCompleted 8533',
    ]);
    await call.hangUp();
    await untilProcessorIsEmpty(harness);
  });

  it('running out of attempts is an answer: noInput after silent attempts, noMatch after a wrong one', async () => {
    const silent = scriptedParty(harness);
    const first = await harness.calls.dial(silent);
    await expect(first.prompt({ play: MENU, dtmf: {}, attempts: 2 })).resolves.toEqual({
      status: 'noInput',
      attempts: 2,
    });
    await first.hangUp();

    const wrong = scriptedParty(harness, { inputs: [{ speech: 'pizza' }] });
    const second = await harness.calls.dial(wrong);
    await expect(second.prompt({ play: MENU, choices: CHOICES, attempts: 1 })).resolves.toEqual({
      status: 'noMatch',
      attempts: 1,
    });
    await second.hangUp();
    await untilProcessorIsEmpty(harness);
  });

  it('collects several tones up to a stop tone, a choice by phrase, and free speech', async () => {
    const party = scriptedParty(harness, {
      inputs: [{ dtmf: '123#' }, { speech: 'representative' }, { speech: 'my bill is wrong' }],
    });
    const call = await harness.calls.dial(party);
    await expect(
      call.prompt({ play: MENU, dtmf: { maxTones: 8, stopTones: ['pound'] } }),
    ).resolves.toEqual({
      status: 'matched',
      kind: 'dtmf',
      tones: ['one', 'two', 'three'],
      attempts: 1,
    });
    await expect(call.prompt({ play: MENU, choices: CHOICES })).resolves.toEqual({
      status: 'matched',
      kind: 'choice',
      label: 'agent',
      text: 'representative',
      attempts: 1,
    });
    await expect(call.prompt({ play: MENU, speech: {} })).resolves.toEqual({
      status: 'matched',
      kind: 'speech',
      text: 'my bill is wrong',
      attempts: 1,
    });
    await call.hangUp();
    await untilProcessorIsEmpty(harness);
  });

  it('validate turns an unwanted answer into a no-match and re-prompts', async () => {
    const party = scriptedParty(harness, { inputs: [{ dtmf: '12' }, { dtmf: '1234' }] });
    const call = await harness.calls.dial(party);
    const answer = await call.prompt({
      play: MENU,
      dtmf: { maxTones: 4 },
      validate: (candidate) => candidate.tones?.length === 4,
    });
    expect(answer).toEqual({
      status: 'matched',
      kind: 'dtmf',
      tones: ['one', 'two', 'three', 'four'],
      attempts: 2,
    });
    await until(() => recognizeOutcomes(call.callConnectionId).length === 2, 'two recognizes');
    expect(recognizeOutcomes(call.callConnectionId)).toEqual([
      'RecognizeCompleted 8532',
      'RecognizeCompleted 8531',
    ]);
    await call.hangUp();
    await untilProcessorIsEmpty(harness);
  });

  it('a recognize failure no re-prompt fixes rejects with CallOperationFailedError', async () => {
    const call = await harness.calls.dial(scriptedParty(harness));
    harness.emulator
      .call(call.callConnectionId)
      .nextOperation('startRecognizing', { fail: 'playPromptFailed' });
    const error = (await call
      .prompt({ play: MENU, dtmf: {} })
      .then(undefined, (reason: unknown) => reason)) as CallOperationFailedError;
    expect(error).toBeInstanceOf(CallOperationFailedError);
    expect(error.operation).toBe('prompt');
    expect(error.event.kind).toBe('RecognizeFailed');
    await remoteHangUp(harness, call);
    await untilProcessorIsEmpty(harness);
  });

  it('stop() cancels a prompt under way: it rejects with RecognizeCanceled', async () => {
    const call = await harness.calls.dial(scriptedParty(harness));
    harness.emulator
      .call(call.callConnectionId)
      .nextOperation('startRecognizing', { durationMs: Number.POSITIVE_INFINITY });
    const prompt = call.prompt({ play: MENU, dtmf: {}, timeoutMs: 60_000 });
    const outcome = prompt.then(undefined, (reason: unknown) => reason);
    await prompt.stop();
    expect(await outcome).toMatchObject({
      name: 'CallOperationFailedError',
      event: { kind: 'RecognizeCanceled' },
    });
    await remoteHangUp(harness, call);
    await untilProcessorIsEmpty(harness);
  });

  it('says whose input to collect when the session does not know', async () => {
    // A call set up with the low-level API: its session does not know the caller.
    const dialed = await connectedCall(harness, scriptedParty(harness));
    const call = harness.calls.session(dialed.id);
    await expect(call.prompt({ play: MENU, dtmf: {} })).rejects.toThrow(
      /say whose input to collect \(options.participant\)/,
    );
    await expect(
      call.prompt({ play: MENU, participant: { phoneNumber: '+15550000000' } }),
    ).rejects.toThrow(/dtmf, choices and\/or speech/);
    await remoteHangUp(harness, call);
    await untilProcessorIsEmpty(harness);
  });
});
