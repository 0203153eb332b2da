import type { Logger } from '@nestjs/common';
import {
  CallAutomationShutdownError,
  CallAutomationTimeoutError,
  CallDisconnectedError,
  CallOperationFailedError,
  type CallSession,
  type IncomingCall,
} from 'nestjs-call-automation';
import type { CallTimelineService } from '../timeline/call-timeline.service';
import { CONNECTING, GIVE_UP, GOODBYE } from './ivr-prompts';

/**
 * How both menus report a step of a call's flow: to the log as `<caller>: <step>` (what the
 * sample's tests read) and to the call's timeline on the status page.
 */
export function menuSteps(
  logger: Logger,
  timeline: CallTimelineService,
  incoming: IncomingCall,
): (message: string) => void {
  const caller = incoming.from.rawId ?? 'unknown caller';
  return (message) => {
    logger.log(`${caller}: ${message}`);
    timeline.note(incoming.serverCallId, message);
  };
}

/** What a caller chose from a menu (keys or speech), or that no choice came. */
export type MenuOutcome = 'agent' | 'goodbye' | 'none';

/**
 * How both menus end a call: the agent (announced, then transferred; a failed transfer hangs
 * up), or a goodbye (a kinder one when no choice came) and the hang-up.
 */
export async function endOfMenu(
  call: CallSession,
  outcome: MenuOutcome,
  agentPhoneNumber: string,
  step: (message: string) => void,
): Promise<void> {
  if (outcome === 'agent') {
    await call.play(CONNECTING);
    try {
      await call.transfer({ phoneNumber: agentPhoneNumber });
      step(`transferred to the agent at ${agentPhoneNumber}`);
      return;
    } catch (error) {
      if (!(error instanceof CallOperationFailedError)) throw error;
      step(`transfer failed (${error.event.kind}), hanging up`);
    }
  } else {
    await call.play(outcome === 'goodbye' ? GOODBYE : GIVE_UP);
  }
  await call.hangUp();
  step('hung up');
}

/**
 * How both menus report a flow that ended with an error: the caller hanging up, a call that
 * could not be answered, a wait that timed out (`hangUpOnTimeout`: end the call too), shutdown.
 * Anything else is logged and rethrown (the library logs it as a handler failure).
 */
export async function reportMenuError(
  error: unknown,
  call: CallSession | undefined,
  step: (message: string) => void,
  hangUpOnTimeout = false,
): Promise<void> {
  if (error instanceof CallDisconnectedError) step('the caller hung up');
  else if (error instanceof CallOperationFailedError && call === undefined)
    step(`could not answer (${error.event.kind})`);
  else if (error instanceof CallAutomationTimeoutError) {
    step(`gave up: ${error.message}`);
    if (hangUpOnTimeout) await call?.hangUp().catch(() => {});
  } else if (error instanceof CallAutomationShutdownError)
    step('stopped: the application is shutting down');
  else {
    step(`failed: ${(error as Error).message}`);
    throw error;
  }
}
