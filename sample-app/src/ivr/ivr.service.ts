import { createIdentifierFromRawId } from '@azure/communication-common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  CallAutomationService,
  CallAutomationShutdownError,
  CallAutomationTimeoutError,
  CallDisconnectedError,
  type IncomingCall,
  OnCallEvent,
} from 'nestjs-call-automation';
import type { SampleConfig } from '../config';
import { CallTimelineService } from '../timeline/call-timeline.service';
import { SAMPLE_CONFIG } from '../tokens';
import { CONNECTING, GOODBYE, GREETING, MENU, NO_INPUT } from './ivr-prompts';

/**
 * The IVR, written as straight-line code: every step sends a request and awaits its outcome
 * event with waitForEventProcessor(), although each outcome arrives on another HTTP request.
 *
 * incoming call -> answer -> greeting -> "press 1 or 2" -> 1: transfer to an agent
 *                                                       -> 2 or nothing: goodbye, hang up
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
    const caller = incoming.from.rawId ?? 'unknown caller';
    const step = (message: string) => {
      this.logger.log(`${caller}: ${message}`);
      this.timeline.note(incoming.serverCallId, message);
    };
    try {
      step('incoming call, answering');
      const answer = await this.calls.answerCall(incoming.incomingCallContext);
      const connected = await answer.waitForEventProcessor({ timeoutMs: 30_000 });
      if (!connected.isSuccess) {
        step(`could not answer (${connected.failureResult?.kind})`);
        return;
      }
      const callConnectionId = connected.successResult?.callConnectionId as string;
      const media = this.calls.getCallMedia(callConnectionId);
      const connection = this.calls.getCallConnection(callConnectionId);
      step(`connected as call ${callConnectionId}, playing the greeting`);

      const greeting = await (await media.playToAll([GREETING])).waitForEventProcessor();
      step(`greeting: ${greeting.isSuccess ? 'played' : greeting.failureResult?.kind}`);

      step('asking for a choice');
      const recognize = await media.startRecognizing(
        createIdentifierFromRawId(incoming.from.rawId ?? ''),
        {
          kind: 'callMediaRecognizeDtmfOptions',
          maxTonesToCollect: 1,
          playPrompt: MENU,
          interruptPrompt: true,
          initialSilenceTimeoutInSeconds: 5,
        },
      );
      const choice = await recognize.waitForEventProcessor();
      const tone = choice.isSuccess ? choice.successResult?.dtmfResult?.tones?.[0] : undefined;
      step(`choice: ${tone ?? `none (${choice.failureResult?.kind})`}`);

      if (tone === 'one') {
        await (await media.playToAll([CONNECTING])).waitForEventProcessor();
        const transfer = await connection.transferCallToParticipant({
          phoneNumber: this.config.agentPhoneNumber,
        });
        const transferred = await transfer.waitForEventProcessor();
        step(
          transferred.isSuccess
            ? `transferred to the agent at ${this.config.agentPhoneNumber}`
            : `transfer failed (${transferred.failureResult?.kind}), hanging up`,
        );
        if (transferred.isSuccess) return;
      } else {
        await (
          await media.playToAll([tone === 'two' ? GOODBYE : NO_INPUT])
        ).waitForEventProcessor();
      }
      const hangUp = await connection.hangUp(true);
      await hangUp.waitForEventProcessor();
      step('hung up');
    } catch (error) {
      if (error instanceof CallDisconnectedError) step('the caller hung up');
      else if (error instanceof CallAutomationTimeoutError) step(`gave up: ${error.message}`);
      else if (error instanceof CallAutomationShutdownError)
        step('stopped: the application is shutting down');
      else {
        step(`failed: ${(error as Error).message}`);
        throw error;
      }
    }
  }
}
