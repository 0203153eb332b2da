import type { MatchedAnswer, PlaySource, PromptAnswer } from './prompt-options';
import type { RecognizeOutcome } from './recognize-outcome';

/** What the prompt does next: another recognize (with these prompts), or answer. */
export type PromptStep =
  | { type: 'recognize'; attempt: number; prompts: PlaySource[] }
  | { type: 'answer'; answer: PromptAnswer }
  /** The recognize failed for a reason no re-prompt can fix. */
  | { type: 'fail' };

export interface PromptMachineConfig {
  play: PlaySource[];
  attempts: number;
  noInput: PlaySource[];
  noMatch: PlaySource[];
  validate?: (answer: MatchedAnswer) => boolean;
}

/**
 * The decisions of `call.prompt()`, without I/O: which prompts the next recognize plays, and
 * when the answer is final. Attempt n+1 plays the noInput / noMatch prompt, then the menu.
 */
export class PromptMachine {
  private attempt = 0;

  constructor(private readonly config: PromptMachineConfig) {
    if (!Number.isInteger(config.attempts) || config.attempts < 1) {
      throw new TypeError(
        `prompt: attempts must be a whole number >= 1, got ${String(config.attempts)}.`,
      );
    }
  }

  start(): PromptStep {
    this.attempt = 1;
    return { type: 'recognize', attempt: 1, prompts: this.config.play };
  }

  /** The outcome of the current attempt's recognize. */
  next(outcome: RecognizeOutcome): PromptStep {
    if (this.attempt === 0) throw new Error('PromptMachine.next() called before start().');
    if (outcome.type === 'failed') return { type: 'fail' };
    let miss: 'noInput' | 'noMatch';
    if (outcome.type === 'matched') {
      const answer: MatchedAnswer = { status: 'matched', ...outcome.input, attempts: this.attempt };
      if (this.config.validate === undefined || this.config.validate(answer)) {
        return { type: 'answer', answer };
      }
      miss = 'noMatch';
    } else {
      miss = outcome.type;
    }
    if (this.attempt >= this.config.attempts) {
      return { type: 'answer', answer: { status: miss, attempts: this.attempt } };
    }
    this.attempt++;
    return {
      type: 'recognize',
      attempt: this.attempt,
      prompts: [...this.config[miss], ...this.config.play],
    };
  }
}
