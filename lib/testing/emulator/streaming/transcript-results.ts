import { TICKS_PER_MS, type TranscribedWord, transcriptionDataMessage } from './stream-messages';

/** How long each word of scripted speech lasts, and the pause after it. */
const WORD_MS = 300;
const GAP_MS = 100;

/** The messages a phrase gives, and where the speaker's clock stands after it (ms). */
export interface PhraseResults {
  messages: string[];
  endMs: number;
}

/**
 * What a speech engine reports for one phrase: with `intermediate`, growing prefixes of it
 * (`Intermediate`, lexical words, no confidence), then the `Final` result whose `text` is the
 * phrase as scripted (the display form) and whose words are its lexical forms.
 */
export function phraseResults(
  phrase: string,
  participantRawId: string,
  startMs: number,
  intermediate: boolean,
): PhraseResults {
  const spoken = phrase.split(/\s+/).filter((word) => word.length > 0);
  const words: TranscribedWord[] = spoken.map((word, index) => ({
    text: lexical(word),
    offset: Math.round((startMs + index * (WORD_MS + GAP_MS)) * TICKS_PER_MS),
    duration: WORD_MS * TICKS_PER_MS,
  }));
  const messages: string[] = [];
  if (intermediate) {
    for (let count = 1; count < words.length; count += 1) {
      const prefix = words.slice(0, count);
      messages.push(
        transcriptionDataMessage({
          text: prefix.map((word) => word.text).join(' '),
          confidence: 0,
          words: prefix,
          participantRawId,
          resultStatus: 'Intermediate',
        }),
      );
    }
  }
  messages.push(
    transcriptionDataMessage({
      text: phrase,
      confidence: 0.92,
      words,
      participantRawId,
      resultStatus: 'Final',
    }),
  );
  return { messages, endMs: startMs + spoken.length * (WORD_MS + GAP_MS) };
}

/** The lexical form of a word: lower case, no punctuation (apostrophes kept). */
function lexical(word: string): string {
  return word.toLowerCase().replace(/[^\p{L}\p{N}']/gu, '') || word;
}
