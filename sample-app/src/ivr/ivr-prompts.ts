import type { TextSource } from '@azure/communication-call-automation';
import type { PromptChoice } from 'nestjs-call-automation';

const VOICE = 'en-US-NancyNeural';

function say(text: string): TextSource {
  return { kind: 'textSource', text, voiceName: VOICE };
}

export const GREETING = say('Thank you for calling Contoso.');
export const MENU = say(
  'Say agent or press 1 to speak to an agent; say goodbye or press 2 to end the call.',
);
export const NO_INPUT = say('Sorry, I did not hear anything.');
export const NO_MATCH = say('Sorry, that is not one of the options.');
export const CONNECTING = say('Please hold while we connect you to an agent.');
export const GOODBYE = say('Thank you for calling. Goodbye.');
export const GIVE_UP = say('Sorry, we did not get your choice. Goodbye.');

/** The menu's choices: said, or pressed. */
export const MENU_CHOICES: PromptChoice[] = [
  { label: 'agent', phrases: ['agent', 'representative'], tone: 'one' },
  { label: 'goodbye', phrases: ['goodbye', 'bye'], tone: 'two' },
];
