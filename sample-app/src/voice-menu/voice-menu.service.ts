import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  CallAutomationService,
  type CallEventPredicate,
  type CallSession,
  EventProcessorService,
  type IncomingCall,
  OnCallEvent,
  type TranscriptionDataEvent,
} from 'nestjs-call-automation';
import type { SampleConfig } from '../config';
import { endOfMenu, menuSteps, reportMenuError } from '../ivr/end-of-menu';
import { MENU_CHOICES } from '../ivr/ivr-prompts';
import { CallTimelineService } from '../timeline/call-timeline.service';
import { SAMPLE_CONFIG } from '../tokens';
import { AudioEchoService } from './audio-echo.service';
import { spokenChoice } from './spoken-choice';
import {
  NOT_UNDERSTOOD,
  VOICE_MENU,
  VOICE_MENU_MEDIA,
  VOICE_MENU_TRANSCRIPTION,
} from './voice-menu-prompts';

/** Phrases the caller gets to name a choice. */
const ATTEMPTS = 2;
/** How long the menu listens for a phrase. */
const LISTEN_MS = 20_000;

/**
 * The voice menu, for calls to `voiceMenuPhoneNumber`: the caller SPEAKS their choice, and the
 * flow branches on the final transcript of live transcription (not on a recognize operation).
 * The call streams its audio both ways: AudioEchoService plays the caller back and stops on
 * barge-in.
 *
 * incoming call -> answer with media streaming + transcription -> menu -> final transcript:
 * "agent" -> transfer; "goodbye" -> goodbye, hang up; anything else -> asked once more
 */
@Injectable()
export class VoiceMenuService {
  private readonly logger: Logger;

  constructor(
    private readonly calls: CallAutomationService,
    private readonly processor: EventProcessorService,
    private readonly echo: AudioEchoService,
    private readonly timeline: CallTimelineService,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {
    this.logger = new Logger(`Voice menu ${config.replicaName}`);
  }

  @OnCallEvent('IncomingCall')
  async onIncomingCall(incoming: IncomingCall): Promise<void> {
    if (!isVoiceMenuCall(incoming, this.config)) return;
    const step = menuSteps(this.logger, this.timeline, incoming);
    let call: CallSession | undefined;
    try {
      step('incoming call to the voice menu, answering');
      call = await this.calls.answer(incoming, {
        timeoutMs: 30_000,
        mediaStreamingOptions: VOICE_MENU_MEDIA,
        transcriptionOptions: VOICE_MENU_TRANSCRIPTION,
      });
      const id = call.callConnectionId;
      step(`connected as call ${id}, streaming audio and transcribing`);

      let choice: string | undefined;
      let heardUpTo = -1; // offset of the last phrase heard: the next wait skips it in the backlog
      for (let attempt = 1; attempt <= ATTEMPTS && choice === undefined; attempt++) {
        // Listening starts before the prompt: the caller may answer over it.
        const heard = this.processor.waitForEvent<TranscriptionDataEvent>(
          finalTranscriptOf(id, heardUpTo),
          { signal: call.signal, timeoutMs: LISTEN_MS },
        );
        heard.catch(() => {}); // awaited below; the prompt's own failure may come first
        await call.play(attempt === 1 ? VOICE_MENU : NOT_UNDERSTOOD);
        step(attempt === 1 ? 'menu played, listening' : 'asked again, listening');
        const said = await heard;
        heardUpTo = said.offsetInTicks;
        choice = spokenChoice(said.text, MENU_CHOICES);
        step(`heard "${said.text}": ${choice ?? 'no choice'} (attempt ${attempt})`);
      }
      const { framesEchoed, bargeIns } = this.echo.statsOf(id);
      step(`echo: ${framesEchoed} frames of the caller played back, ${bargeIns} barge-in(s)`);

      const outcome = choice === 'agent' || choice === 'goodbye' ? choice : 'none';
      await endOfMenu(call, outcome, this.config.agentPhoneNumber, step);
    } catch (error) {
      await reportMenuError(error, call, step, true);
    }
  }
}

/** A call to the voice menu's number (the IVR takes the others). */
export function isVoiceMenuCall(incoming: IncomingCall, config: SampleConfig): boolean {
  return incoming.to.rawId === `4:${config.voiceMenuPhoneNumber}`;
}

/** The call's next final transcript: a phrase that starts after `after` (in ticks). */
function finalTranscriptOf(callConnectionId: string, after: number): CallEventPredicate {
  return (event) =>
    event.kind === 'TranscriptionData' &&
    event.callConnectionId === callConnectionId &&
    event.resultState === 'Final' &&
    typeof event.offsetInTicks === 'number' &&
    event.offsetInTicks > after;
}
