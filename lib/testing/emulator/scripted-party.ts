import type { RestResultInformation } from '@azure/communication-call-automation';
import { resultCodes } from '../events/result-information';
import { tonesOf } from './dtmf-tones';
import type { PartyAudio } from './streaming/speaker-audio';

/** How an invited party reacts: it answers, or the invitation fails that way. */
export type PartyAnswer = 'answer' | 'decline' | 'busy' | 'noAnswer' | 'unreachable';

/** A phrase a party says: its text, or its text and a pause before it. */
export type ScriptedPhrase = string | { text: string; afterMs?: number };

/** What a party "does" when a recognize runs: press tones, say something, pick a choice, or nothing. */
export type CallerInput =
  | { dtmf: string }
  | { speech: string }
  | { choice: string }
  | { silence: true };

/**
 * A scripted party: a caller, a callee, an added participant or a transfer target.
 *
 * ```ts
 * emulator.script.party('+15551230000', { answer: 'busy' });
 * emulator.placeIncomingCall({ url, caller: { inputs: [{ dtmf: '1' }, { speech: 'agent' }] } });
 * ```
 */
export interface PartyScript {
  /** What it does when invited (createCall target, addParticipant, transfer). Default `'answer'`. */
  answer?: PartyAnswer;
  /** How long it rings before answering (or failing). Default: the emulator's event delay. */
  answerAfterMs?: number;
  /** Tones (`'0'`–`'9'`, `'*'`, `'#'`, `'A'`–`'D'`) it presses at every recognize. */
  dtmf?: string;
  /** Words it says at every recognize. */
  speech?: string;
  /** A choice label it picks at every recognize. */
  choice?: string;
  /** One input per recognize, in order; once used up the party stays silent. Wins over the shorthands. */
  inputs?: readonly CallerInput[];
  /**
   * Phrases it says once live transcription runs: each gives TranscriptionData on the
   * transcription WebSocket (intermediate results when enabled, then a final one), in order.
   * `{ text, afterMs }` waits that long after the previous phrase (or the socket's start), e.g.
   * to speak over a prompt. Each phrase is said once per call (a party scripted for many calls
   * says them in each).
   */
  says?: readonly ScriptedPhrase[];
  /**
   * What its media streaming audio carries: `'tone'` (a sine tone of its own pitch, the
   * default), `'silence'` (frames flagged `silent`), or 16-bit mono PCM at the stream's rate,
   * played from the stream's start and followed by silence.
   */
  audio?: PartyAudio;
  /** Keys it presses once media streaming runs: DtmfData messages when `enableDtmfTones`. */
  keys?: string;
}

/** A party script plus how far its `inputs` have been used. */
export class ScriptedParty {
  private nextInput = 0;

  constructor(readonly script: PartyScript = {}) {
    // Fail at scripting time, not in the middle of a call.
    for (const input of [
      ...(script.inputs ?? []),
      ...(script.dtmf ? [{ dtmf: script.dtmf }] : []),
    ]) {
      if ('dtmf' in input) tonesOf(input.dtmf);
    }
    if (script.keys) tonesOf(script.keys);
  }

  get answer(): PartyAnswer {
    return this.script.answer ?? 'answer';
  }

  /** The input for the next recognize: the next of `inputs`, a shorthand, or silence. */
  takeInput(): CallerInput {
    const { inputs } = this.script;
    if (inputs) {
      const input = inputs[this.nextInput];
      if (input === undefined) return { silence: true };
      this.nextInput += 1;
      return input;
    }
    if (this.script.dtmf !== undefined) return { dtmf: this.script.dtmf };
    if (this.script.choice !== undefined) return { choice: this.script.choice };
    if (this.script.speech !== undefined) return { speech: this.script.speech };
    return { silence: true };
  }
}

/** The resultInformation of an invitation the party does not answer. */
export function invitationFailure(answer: PartyAnswer): RestResultInformation | undefined {
  switch (answer) {
    case 'answer':
      return undefined;
    case 'decline':
      return resultCodes.calleeDeclined;
    case 'busy':
      return resultCodes.calleeBusy;
    case 'noAnswer':
      return resultCodes.calleeNoAnswer;
    case 'unreachable':
      return resultCodes.calleeUnreachable;
  }
}
