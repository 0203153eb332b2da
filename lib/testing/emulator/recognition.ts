import type {
  RestRecognizeCompleted,
  RestResultInformation,
} from '@azure/communication-call-automation';
import { resultCodes } from '../events/result-information';
import { rawIdOf } from '../events/wire-identifiers';
import { tonesOf } from './dtmf-tones';
import type { RequestBody } from './request-body';
import { RestFailure } from './rest-response';
import type { CallerInput } from './scripted-party';

/** What a recognize ends with, given the party's input. */
export type RecognitionOutcome =
  | { kind: 'RecognizeCompleted'; data: RestRecognizeCompleted }
  | { kind: 'RecognizeFailed'; data: { resultInformation: RestResultInformation } };

function failed(resultInformation: RestResultInformation): RecognitionOutcome {
  return { kind: 'RecognizeFailed', data: { resultInformation } };
}

/** The parts of a recognize request that decide its outcome. */
export interface RecognizeSpec {
  inputType: string;
  targetRawId?: string;
  maxTonesToCollect: number;
  stopTones: string[];
  choices: { label: string; phrases: string[]; tone?: string }[];
}

/** Reads and checks a recognize request body (400 when it is malformed). */
export function parseRecognizeRequest(body: RequestBody): RecognizeSpec {
  const inputType = body.requiredString('recognizeInputType');
  if (!['dtmf', 'choices', 'speech', 'speechOrDtmf'].includes(inputType)) {
    throw RestFailure.invalid(`recognizeInputType "${inputType}" is not supported.`);
  }
  const options = body.requiredObject('recognizeOptions');
  const dtmfOptions = options.object('dtmfOptions');
  const choices = (options.objects('choices') ?? []).map((choice) => ({
    label: choice.requiredString('label'),
    phrases: choice.strings('phrases') ?? [],
    tone: choice.string('tone'),
  }));
  if (inputType === 'choices' && choices.length === 0) {
    throw RestFailure.invalid('recognizeOptions.choices is required for choices.');
  }
  return {
    inputType,
    targetRawId: rawIdOf(options.requiredIdentifier('targetParticipant')),
    maxTonesToCollect: dtmfOptions?.number('maxTonesToCollect') ?? 1,
    stopTones: dtmfOptions?.strings('stopTones') ?? [],
    choices,
  };
}

/**
 * Applies the input to the recognize the way the service does: DTMF up to
 * `maxTonesToCollect` (default 1) or a stop tone, choices matched by label, phrase or tone,
 * free speech; no input is the initial silence timeout.
 */
export function recognizeInput(spec: RecognizeSpec, input: CallerInput): RecognitionOutcome {
  if ('silence' in input) return failed(resultCodes.recognizeInitialSilenceTimeout);
  if (spec.inputType === 'choices') return recognizeChoice(spec, input);
  if ('dtmf' in input && (spec.inputType === 'dtmf' || spec.inputType === 'speechOrDtmf')) {
    return recognizeDtmf(spec, input.dtmf);
  }
  if ('speech' in input && (spec.inputType === 'speech' || spec.inputType === 'speechOrDtmf')) {
    return {
      kind: 'RecognizeCompleted',
      data: {
        recognitionType: 'speech',
        speechResult: { speech: input.speech, confidence: 0.92 },
        resultInformation: resultCodes.recognizeSpeechRecognized,
      },
    };
  }
  // Input of a kind this recognize does not listen to: for it, the caller said nothing.
  return failed(resultCodes.recognizeInitialSilenceTimeout);
}

function recognizeDtmf(spec: RecognizeSpec, keys: string): RecognitionOutcome {
  const collected: string[] = [];
  for (const tone of tonesOf(keys)) {
    if (spec.stopTones.includes(tone)) {
      return completedDtmf(collected, resultCodes.recognizeStopToneDetected);
    }
    collected.push(tone);
    if (collected.length >= spec.maxTonesToCollect) {
      return completedDtmf(collected, resultCodes.recognizeMaxDigitsReceived);
    }
  }
  if (collected.length === 0) return failed(resultCodes.recognizeInitialSilenceTimeout);
  // Fewer tones than wanted and no stop tone: the inter-digit timeout ends it with what came.
  return completedDtmf(collected, resultCodes.recognizeInterDigitTimeout);
}

function completedDtmf(
  tones: string[],
  resultInformation: RestResultInformation,
): RecognitionOutcome {
  return {
    kind: 'RecognizeCompleted',
    data: { recognitionType: 'dtmf', dtmfResult: { tones }, resultInformation },
  };
}

function recognizeChoice(spec: RecognizeSpec, input: CallerInput): RecognitionOutcome {
  if ('dtmf' in input) {
    const [tone] = tonesOf(input.dtmf);
    const match = spec.choices.find((choice) => choice.tone !== undefined && choice.tone === tone);
    if (!match) return failed(resultCodes.recognizeIncorrectTone);
    return {
      kind: 'RecognizeCompleted',
      data: {
        recognitionType: 'choices',
        choiceResult: { label: match.label },
        resultInformation: resultCodes.recognizeDtmfOptionMatched,
      },
    };
  }
  const said = 'speech' in input ? input.speech : 'choice' in input ? input.choice : '';
  const normalized = said.trim().toLowerCase();
  const match = spec.choices.find(
    (choice) =>
      ('choice' in input && choice.label.toLowerCase() === normalized) ||
      choice.phrases.some((phrase) => phrase.toLowerCase() === normalized),
  );
  if (!match) return failed(resultCodes.recognizeSpeechOptionNotMatched);
  return {
    kind: 'RecognizeCompleted',
    data: {
      recognitionType: 'choices',
      choiceResult: {
        label: match.label,
        recognizedPhrase: 'speech' in input ? input.speech : (match.phrases[0] ?? match.label),
        confidence: 0.92,
      },
      resultInformation: resultCodes.recognizeSpeechOptionMatched,
    },
  };
}
