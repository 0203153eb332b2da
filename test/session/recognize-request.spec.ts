import { describe, expect, it } from 'vitest';
import type { PlaySource, PromptOptions } from '../../lib/session/prompt-options';
import { recognizeRequestOf } from '../../lib/session/recognize-request';

const MENU: PlaySource = { kind: 'textSource', text: 'menu' };
const SORRY: PlaySource = { kind: 'textSource', text: 'sorry' };
const base: PromptOptions = { play: MENU };

describe('recognizeRequestOf', () => {
  it('dtmf only -> dtmf, the prompt as its interruptible playPrompt', () => {
    expect(
      recognizeRequestOf(
        {
          ...base,
          dtmf: { maxTones: 4, stopTones: ['pound'], interToneTimeoutInSeconds: 2 },
          initialSilenceTimeoutInSeconds: 5,
        },
        [MENU],
      ),
    ).toEqual({
      kind: 'callMediaRecognizeDtmfOptions',
      playPrompt: MENU,
      interruptPrompt: true,
      initialSilenceTimeoutInSeconds: 5,
      maxTonesToCollect: 4,
      stopDtmfTones: ['pound'],
      interToneTimeoutInSeconds: 2,
    });
  });

  it('several prompts go as playPrompts', () => {
    expect(recognizeRequestOf({ ...base, dtmf: {} }, [SORRY, MENU])).toMatchObject({
      playPrompts: [SORRY, MENU],
      interruptPrompt: true,
    });
  });

  it('choices -> choices, with phrases and tones', () => {
    expect(
      recognizeRequestOf(
        {
          ...base,
          choices: [
            { label: 'agent', phrases: ['agent'], tone: 'one' },
            { label: 'bye', tone: 'two' },
          ],
        },
        [MENU],
      ),
    ).toMatchObject({
      kind: 'callMediaRecognizeChoiceOptions',
      choices: [
        { label: 'agent', phrases: ['agent'], tone: 'one' },
        { label: 'bye', phrases: [], tone: 'two' },
      ],
    });
  });

  it('speech -> speech; dtmf and speech -> speechOrDtmf', () => {
    expect(
      recognizeRequestOf({ ...base, speech: { endSilenceTimeoutInMs: 1500 } }, [MENU]),
    ).toMatchObject({
      kind: 'callMediaRecognizeSpeechOptions',
      endSilenceTimeoutInSeconds: 1.5,
    });
    expect(
      recognizeRequestOf({ ...base, speech: {}, dtmf: { maxTones: 1 } }, [MENU]),
    ).toMatchObject({
      kind: 'callMediaRecognizeSpeechOrDtmfOptions',
      maxTonesToCollect: 1,
    });
  });

  it('says what is wrong with options it cannot send', () => {
    expect(() => recognizeRequestOf(base, [MENU])).toThrow(/dtmf, choices and\/or speech/);
    expect(() => recognizeRequestOf({ ...base, choices: [] }, [MENU])).toThrow(/at least one/);
    expect(() => recognizeRequestOf({ ...base, choices: [{ label: 'x' }] }, [MENU])).toThrow(
      /choice 'x' needs phrases, a tone/,
    );
    expect(() =>
      recognizeRequestOf({ ...base, choices: [{ label: 'x', tone: 'one' }], dtmf: {} }, [MENU]),
    ).toThrow(/either choices or dtmf/);
  });
});
