import { CallAutomationEventError } from '../errors/call-automation-event.error';
import type { CallEvent, UnknownCallEvent } from './call-event.types';
import { type CloudEvent, findEnvelopeProblem } from './cloud-event';
import { toCallEvent } from './to-call-event';

/**
 * Parses one CloudEvent exactly as the processor does: the SDK's own event for every kind the
 * SDK knows (`parseCallAutomationEvent`'s result), `{ ...data, kind }` for any other type
 * (never a throw for an unknown type). Throws `CallAutomationEventError` for an entry that is
 * not a CloudEvent.
 */
export function parseCallEvent(cloudEvent: CloudEvent): CallEvent | UnknownCallEvent {
  const problem = findEnvelopeProblem(cloudEvent);
  if (problem !== undefined)
    throw new CallAutomationEventError(`The event is not a CloudEvent: ${problem}.`);
  return toCallEvent(cloudEvent).event;
}
