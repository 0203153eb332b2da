import type {
  CallMediaRecognizeChoiceOptions,
  CallMediaRecognizeDtmfOptions,
  CallMediaRecognizeSpeechOptions,
  CallMediaRecognizeSpeechOrDtmfOptions,
  DtmfTone,
  RecognitionChoice,
} from '@azure/communication-call-automation';
import type { PlaySource, PromptOptions } from './prompt-options';

export type RecognizeRequest =
  | CallMediaRecognizeDtmfOptions
  | CallMediaRecognizeChoiceOptions
  | CallMediaRecognizeSpeechOptions
  | CallMediaRecognizeSpeechOrDtmfOptions;

/**
 * The SDK's recognize options for one attempt of a prompt. The input type follows the options:
 * choices → choices, dtmf and speech → speechOrDtmf, dtmf → dtmf, speech → speech. The prompt
 * is the recognize's own playPrompt(s), interruptible by input (`interruptPrompt: true`).
 */
export function recognizeRequestOf(
  options: PromptOptions,
  prompts: PlaySource[],
): RecognizeRequest {
  const { dtmf, speech, choices } = options;
  const common = {
    ...(prompts.length === 1 ? { playPrompt: prompts[0] } : { playPrompts: prompts }),
    interruptPrompt: true,
    ...(options.initialSilenceTimeoutInSeconds !== undefined
      ? { initialSilenceTimeoutInSeconds: options.initialSilenceTimeoutInSeconds }
      : {}),
  };
  const dtmfPart = dtmf && {
    ...(dtmf.maxTones !== undefined ? { maxTonesToCollect: dtmf.maxTones } : {}),
    ...(dtmf.stopTones !== undefined ? { stopDtmfTones: dtmf.stopTones as DtmfTone[] } : {}),
    ...(dtmf.interToneTimeoutInSeconds !== undefined
      ? { interToneTimeoutInSeconds: dtmf.interToneTimeoutInSeconds }
      : {}),
  };
  const speechPart = speech && {
    ...(speech.endSilenceTimeoutInMs !== undefined
      ? { endSilenceTimeoutInSeconds: speech.endSilenceTimeoutInMs / 1000 }
      : {}),
    ...(speech.language !== undefined ? { speechLanguage: speech.language } : {}),
  };
  if (choices !== undefined) {
    if (choices.length === 0) {
      throw new TypeError('prompt: choices must list at least one { label, phrases?, tone? }.');
    }
    if (dtmf !== undefined) {
      throw new TypeError(
        "prompt: give either choices or dtmf, not both: a choice is pressed through its tone (choices: [{ label, tone: 'one' }]).",
      );
    }
    return {
      kind: 'callMediaRecognizeChoiceOptions',
      ...common,
      ...(speech?.language !== undefined ? { speechLanguage: speech.language } : {}),
      choices: choices.map(choiceOf),
    };
  }
  if (dtmfPart && speechPart) {
    return { kind: 'callMediaRecognizeSpeechOrDtmfOptions', ...common, ...dtmfPart, ...speechPart };
  }
  if (dtmfPart) return { kind: 'callMediaRecognizeDtmfOptions', ...common, ...dtmfPart };
  if (speechPart) return { kind: 'callMediaRecognizeSpeechOptions', ...common, ...speechPart };
  throw new TypeError('prompt: say what to collect: dtmf, choices and/or speech.');
}

function choiceOf(choice: NonNullable<PromptOptions['choices']>[number]): RecognitionChoice {
  if (typeof choice.label !== 'string' || choice.label === '') {
    throw new TypeError('prompt: every choice needs a non-empty label.');
  }
  if ((choice.phrases ?? []).length === 0 && choice.tone === undefined) {
    throw new TypeError(
      `prompt: choice '${choice.label}' needs phrases, a tone, or both, to be chosen by.`,
    );
  }
  return {
    label: choice.label,
    phrases: choice.phrases ?? [],
    ...(choice.tone !== undefined ? { tone: choice.tone as DtmfTone } : {}),
  };
}
