import type { TextSource } from '@azure/communication-call-automation';

const VOICE = 'en-US-NancyNeural';

function say(text: string): TextSource {
  return { kind: 'textSource', text, voiceName: VOICE };
}

export const GREETING = say('Thank you for calling Contoso.');
export const MENU = say('Press 1 to speak to an agent, or 2 to end the call.');
export const CONNECTING = say('Please hold while we connect you to an agent.');
export const GOODBYE = say('Thank you for calling. Goodbye.');
export const NO_INPUT = say('Sorry, we did not get your choice. Goodbye.');
