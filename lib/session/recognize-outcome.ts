import type { RecognizeCompleted, RecognizeFailed } from '@azure/communication-call-automation';
import type { DtmfToneName, MatchedAnswer } from './prompt-options';

/** What one recognize gave, for the prompt's state machine. */
export type RecognizeOutcome =
  | { type: 'matched'; input: Omit<MatchedAnswer, 'status' | 'attempts'> }
  | { type: 'noInput' }
  | { type: 'noMatch' }
  /** A failure that no re-prompt can fix (play prompt failed, internal error, ...). */
  | { type: 'failed' };

/**
 * RecognizeFailed sub-codes that mean the caller did not answer usably
 * (MicrosoftDocs recognize-action.md, "Event codes").
 */
export const RECOGNIZE_FAILURE_SUBCODES: Readonly<Record<number, 'noInput' | 'noMatch'>> = {
  /** Initial silence timeout: nothing was entered or said. */
  8510: 'noInput',
  /** Inter-digit timeout reported as a failure: keys were pressed, but not a complete answer. */
  8532: 'noMatch',
  /** Incorrect tone: a key that no choice has. */
  8534: 'noMatch',
  /** The recognized phrase matches no choice. */
  8547: 'noMatch',
  /** Speech could not be recognized. */
  8563: 'noMatch',
};

/**
 * Reads a recognize's outcome event. RecognizeCompleted is a match (8531 max tones, 8514 stop
 * tone, 8532 inter-digit timeout with tones, 8533 / 8545 choice by tone / phrase, 8569
 * speech), whatever its sub-code, unless it carries no input at all; RecognizeFailed is
 * looked up in RECOGNIZE_FAILURE_SUBCODES, and any other sub-code is a failure.
 */
export function readRecognizeOutcome(
  event: RecognizeCompleted | RecognizeFailed,
): RecognizeOutcome {
  if (event.kind === 'RecognizeFailed') {
    const subCode = event.resultInformation?.subCode;
    const meaning = subCode === undefined ? undefined : RECOGNIZE_FAILURE_SUBCODES[subCode];
    return meaning === undefined ? { type: 'failed' } : { type: meaning };
  }
  switch (event.recognitionType) {
    case 'dtmf': {
      const tones = (event.dtmfResult?.tones ?? []) as DtmfToneName[];
      return tones.length === 0
        ? { type: 'noInput' }
        : { type: 'matched', input: { kind: 'dtmf', tones } };
    }
    case 'choices': {
      const label = event.choiceResult?.label;
      if (label === undefined || label === '') return { type: 'noMatch' };
      const text = event.choiceResult?.recognizedPhrase;
      return {
        type: 'matched',
        input: { kind: 'choice', label, ...(text !== undefined ? { text } : {}) },
      };
    }
    default: {
      const text = event.speechResult?.speech;
      if (text === undefined || text.trim() === '') return { type: 'noMatch' };
      return { type: 'matched', input: { kind: 'speech', text } };
    }
  }
}
