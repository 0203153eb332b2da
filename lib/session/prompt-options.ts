import type {
  DtmfTone,
  FileSource,
  SsmlSource,
  TextSource,
} from '@azure/communication-call-automation';
import type { CommunicationIdentifier } from '../client/sdk-types';

/** Something to play: a file, text (TTS) or SSML. */
export type PlaySource = FileSource | TextSource | SsmlSource;

/** A DTMF tone by the name ACS gives it: `'one'`, `'pound'`, `'asterisk'`, ... */
export type DtmfToneName = `${DtmfTone}`;

/** A choice of a menu: said as one of its phrases, or pressed as its tone. */
export interface PromptChoice {
  label: string;
  phrases?: string[];
  tone?: DtmfToneName;
}

/** What `call.prompt()` plays and collects. */
export interface PromptOptions {
  /** Played first by the recognize itself; input interrupts it (barge-in). */
  play: PlaySource | PlaySource[];
  /** Collect DTMF tones. */
  dtmf?: { maxTones?: number; stopTones?: DtmfToneName[]; interToneTimeoutInSeconds?: number };
  /** Collect one of these choices (ACS choice recognition: phrases and/or a tone). */
  choices?: PromptChoice[];
  /** Collect free speech. */
  speech?: { endSilenceTimeoutInMs?: number; language?: string };
  /** How long to wait for the first input once the prompt has played. */
  initialSilenceTimeoutInSeconds?: number;
  /** How many recognizes at most. @default 3 */
  attempts?: number;
  /** Played before the next attempt after silence. */
  noInput?: PlaySource | PlaySource[];
  /** Played before the next attempt after input that matched nothing or failed `validate`. */
  noMatch?: PlaySource | PlaySource[];
  /** A matched answer counts only if this returns true (else it is a no-match). */
  validate?: (answer: MatchedAnswer) => boolean;
  /** Whose input to collect. Default: the session's remote party (the caller, or the callee). */
  participant?: CommunicationIdentifier;
  /** Each attempt's wait for its outcome event. Default: the module's `defaultTimeoutMs`. */
  timeoutMs?: number;
  /** Aborting ends the prompt with the signal's reason. */
  signal?: AbortSignal;
}

/** Input that was recognized. */
export interface MatchedAnswer {
  status: 'matched';
  kind: 'dtmf' | 'choice' | 'speech';
  /** The tones pressed (kind `dtmf`). */
  tones?: DtmfToneName[];
  /** The choice's label (kind `choice`). */
  label?: string;
  /** What was said (kind `speech`, or the phrase of a choice). */
  text?: string;
  /** Attempts used, this one included. */
  attempts: number;
}

/** Attempts used up without a match: an answer, not an exception. */
export interface UnansweredPrompt {
  status: 'noInput' | 'noMatch';
  attempts: number;
}

export type PromptAnswer = MatchedAnswer | UnansweredPrompt;
