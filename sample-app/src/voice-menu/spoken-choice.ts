import type { PromptChoice } from 'nestjs-call-automation';

/**
 * The menu choice a final transcript names: the first choice one of whose phrases appears in it
 * as whole words ("I want an agent." → agent), or undefined. Transcripts come in display form
 * (capitals, punctuation), so both are ignored.
 */
export function spokenChoice(text: string, choices: readonly PromptChoice[]): string | undefined {
  const words = ` ${text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .join(' ')} `;
  return choices.find((choice) => choice.phrases?.some((phrase) => words.includes(` ${phrase} `)))
    ?.label;
}
