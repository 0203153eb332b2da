import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  CallAutomationService,
  type CallSession,
  type IncomingCall,
  OnCallEvent,
} from 'nestjs-call-automation';
import type { SampleConfig } from '../config';
import { CallTimelineService } from '../timeline/call-timeline.service';
import { SAMPLE_CONFIG } from '../tokens';
import { isVoiceMenuCall } from '../voice-menu/voice-menu.service';
import { endOfMenu, type MenuOutcome, menuSteps, reportMenuError } from './end-of-menu';
import { GREETING, MENU, MENU_CHOICES, NO_INPUT, NO_MATCH } from './ivr-prompts';

/**
 * The IVR, written as straight-line code on a call session: each step awaits its outcome
 * event although each outcome arrives on another HTTP request, and a failure is an exception.
 *
 * incoming call -> answer -> greeting -> menu (say or press; re-prompted once after silence
 * or a wrong choice) -> agent: transfer -> goodbye (or no choice): goodbye, hang up
 */
@Injectable()
export class IvrService {
  private readonly logger: Logger;

  constructor(
    private readonly calls: CallAutomationService,
    private readonly timeline: CallTimelineService,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {
    this.logger = new Logger(`IVR ${config.replicaName}`);
  }

  @OnCallEvent('IncomingCall')
  async onIncomingCall(incoming: IncomingCall): Promise<void> {
    if (isVoiceMenuCall(incoming, this.config)) return; // VoiceMenuService's
    const step = menuSteps(this.logger, this.timeline, incoming);
    let call: CallSession | undefined;
    try {
      step('incoming call, answering');
      call = await this.calls.answer(incoming, { timeoutMs: 30_000 });
      step(`connected as call ${call.callConnectionId}, playing the greeting`);
      await call.play(GREETING);
      step('greeting: played');

      step('asking for a choice');
      const answer = await call.prompt({
        play: MENU,
        choices: MENU_CHOICES,
        attempts: 2,
        noInput: NO_INPUT,
        noMatch: NO_MATCH,
        initialSilenceTimeoutInSeconds: 5,
      });
      step(
        answer.status === 'matched'
          ? `choice: ${answer.label} (attempt ${answer.attempts})`
          : `choice: none (${answer.status} after ${answer.attempts} attempts)`,
      );

      const outcome: MenuOutcome =
        answer.status !== 'matched' ? 'none' : answer.label === 'agent' ? 'agent' : 'goodbye';
      await endOfMenu(call, outcome, this.config.agentPhoneNumber, step);
    } catch (error) {
      await reportMenuError(error, call, step);
    }
  }
}
