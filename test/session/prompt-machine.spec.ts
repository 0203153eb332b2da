import type { RecognizeCompleted, RecognizeFailed } from '@azure/communication-call-automation';
import { describe, expect, it } from 'vitest';
import { PromptMachine, type PromptMachineConfig } from '../../lib/session/prompt-machine';
import type { PlaySource } from '../../lib/session/prompt-options';
import { type RecognizeOutcome, readRecognizeOutcome } from '../../lib/session/recognize-outcome';

const say = (text: string): PlaySource => ({ kind: 'textSource', text });
const MENU = say('menu');
const NO_INPUT = say('no input');
const NO_MATCH = say('no match');

function machine(config: Partial<PromptMachineConfig> = {}): PromptMachine {
  return new PromptMachine({
    play: [MENU],
    attempts: 3,
    noInput: [NO_INPUT],
    noMatch: [NO_MATCH],
    ...config,
  });
}

const pressed: RecognizeOutcome = { type: 'matched', input: { kind: 'dtmf', tones: ['one'] } };

describe('PromptMachine', () => {
  it('starts with the menu as attempt 1', () => {
    expect(machine().start()).toEqual({ type: 'recognize', attempt: 1, prompts: [MENU] });
  });

  it('answers a match at once, with the attempts used', () => {
    const m = machine();
    m.start();
    expect(m.next(pressed)).toEqual({
      type: 'answer',
      answer: { status: 'matched', kind: 'dtmf', tones: ['one'], attempts: 1 },
    });
  });

  it('re-prompts after silence with the noInput prompt, then the menu', () => {
    const m = machine();
    m.start();
    expect(m.next({ type: 'noInput' })).toEqual({
      type: 'recognize',
      attempt: 2,
      prompts: [NO_INPUT, MENU],
    });
  });

  it('re-prompts after a no-match with the noMatch prompt, then the menu', () => {
    const m = machine();
    m.start();
    expect(m.next({ type: 'noMatch' })).toEqual({
      type: 'recognize',
      attempt: 2,
      prompts: [NO_MATCH, MENU],
    });
  });

  it('re-prompts with the menu alone when no re-prompt is given', () => {
    const m = machine({ noInput: [], noMatch: [] });
    m.start();
    expect(m.next({ type: 'noInput' })).toMatchObject({ prompts: [MENU] });
  });

  it('goes noInput -> noMatch -> matched over three attempts', () => {
    const m = machine();
    m.start();
    m.next({ type: 'noInput' });
    expect(m.next({ type: 'noMatch' })).toMatchObject({ type: 'recognize', attempt: 3 });
    expect(m.next(pressed)).toMatchObject({
      type: 'answer',
      answer: { status: 'matched', attempts: 3 },
    });
  });

  it('answers with the last miss once the attempts are used up (not an exception)', () => {
    const m = machine({ attempts: 2 });
    m.start();
    m.next({ type: 'noMatch' });
    expect(m.next({ type: 'noInput' })).toEqual({
      type: 'answer',
      answer: { status: 'noInput', attempts: 2 },
    });
    const once = machine({ attempts: 1 });
    once.start();
    expect(once.next({ type: 'noMatch' })).toEqual({
      type: 'answer',
      answer: { status: 'noMatch', attempts: 1 },
    });
  });

  it('counts a match that validate refuses as a no-match', () => {
    const m = machine({ validate: (answer) => answer.tones?.[0] === 'two', attempts: 2 });
    m.start();
    expect(m.next(pressed)).toMatchObject({ type: 'recognize', prompts: [NO_MATCH, MENU] });
    expect(m.next(pressed)).toEqual({ type: 'answer', answer: { status: 'noMatch', attempts: 2 } });
  });

  it('gives validate the matched answer and accepts what it accepts', () => {
    const seen: unknown[] = [];
    const m = machine({
      validate: (answer) => {
        seen.push(answer);
        return true;
      },
    });
    m.start();
    expect(m.next(pressed)).toMatchObject({ type: 'answer' });
    expect(seen).toEqual([{ status: 'matched', kind: 'dtmf', tones: ['one'], attempts: 1 }]);
  });

  it('fails on a failure no re-prompt can fix', () => {
    const m = machine();
    m.start();
    expect(m.next({ type: 'failed' })).toEqual({ type: 'fail' });
  });

  it('rejects attempts below 1 and next() before start()', () => {
    expect(() => machine({ attempts: 0 })).toThrow(/attempts must be a whole number >= 1, got 0/);
    expect(() => machine({ attempts: 1.5 })).toThrow(/attempts/);
    expect(() => machine().next(pressed)).toThrow(/before start/);
  });
});

function completed(fields: Partial<RecognizeCompleted>, subCode = 8531): RecognizeCompleted {
  return {
    kind: 'RecognizeCompleted',
    callConnectionId: 'c1',
    serverCallId: 's1',
    correlationId: 'r1',
    resultInformation: { code: 200, subCode, message: '' },
    ...fields,
  } as RecognizeCompleted;
}

function failed(subCode: number | undefined): RecognizeFailed {
  return {
    kind: 'RecognizeFailed',
    callConnectionId: 'c1',
    serverCallId: 's1',
    correlationId: 'r1',
    resultInformation: subCode === undefined ? undefined : { code: 400, subCode, message: '' },
  } as RecognizeFailed;
}

describe('readRecognizeOutcome (ACS result codes)', () => {
  it.each([
    [8510, 'noInput'],
    [8532, 'noMatch'],
    [8534, 'noMatch'],
    [8547, 'noMatch'],
    [8563, 'noMatch'],
  ])('RecognizeFailed %i is %s', (subCode, type) => {
    expect(readRecognizeOutcome(failed(subCode))).toEqual({ type });
  });

  it.each([8511, 8512, 9999, undefined])('RecognizeFailed %s is a failure', (subCode) => {
    expect(readRecognizeOutcome(failed(subCode))).toEqual({ type: 'failed' });
  });

  it.each([8531, 8514, 8532])('RecognizeCompleted %i with tones is a DTMF match', (subCode) => {
    const event = completed(
      { recognitionType: 'dtmf', dtmfResult: { tones: ['one', 'two'] } } as never,
      subCode,
    );
    expect(readRecognizeOutcome(event)).toEqual({
      type: 'matched',
      input: { kind: 'dtmf', tones: ['one', 'two'] },
    });
  });

  it('RecognizeCompleted with no tones at all is no input', () => {
    const event = completed({ recognitionType: 'dtmf', dtmfResult: { tones: [] } } as never, 8532);
    expect(readRecognizeOutcome(event)).toEqual({ type: 'noInput' });
  });

  it('a choice (8533 by tone, 8545 by phrase) is a choice match with its label and phrase', () => {
    expect(
      readRecognizeOutcome(
        completed({ recognitionType: 'choices', choiceResult: { label: 'agent' } }, 8533),
      ),
    ).toEqual({ type: 'matched', input: { kind: 'choice', label: 'agent' } });
    expect(
      readRecognizeOutcome(
        completed(
          {
            recognitionType: 'choices',
            choiceResult: { label: 'agent', recognizedPhrase: 'representative' },
          },
          8545,
        ),
      ),
    ).toEqual({
      type: 'matched',
      input: { kind: 'choice', label: 'agent', text: 'representative' },
    });
    expect(
      readRecognizeOutcome(completed({ recognitionType: 'choices', choiceResult: {} }, 8545)),
    ).toEqual({
      type: 'noMatch',
    });
  });

  it('speech (8569) is a speech match; empty speech is a no-match', () => {
    expect(
      readRecognizeOutcome(
        completed({ recognitionType: 'speech', speechResult: { speech: 'my bill' } }, 8569),
      ),
    ).toEqual({ type: 'matched', input: { kind: 'speech', text: 'my bill' } });
    expect(
      readRecognizeOutcome(
        completed({ recognitionType: 'speech', speechResult: { speech: ' ' } }, 8569),
      ),
    ).toEqual({ type: 'noMatch' });
  });
});
