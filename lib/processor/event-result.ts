import type { CallDisconnected } from '@azure/communication-call-automation';
import type { AnyCallEvent } from '../events/call-event.types';

/**
 * The outcome of an operation, as the .NET SDK's event processor gives it: the success event,
 * or the failure event (or the CallDisconnected that ended the call first).
 * Operations for which the service sends no success event (hold, unhold) succeed with neither.
 */
export interface EventResult<S = AnyCallEvent, F = AnyCallEvent> {
  isSuccess: boolean;
  successResult?: S;
  failureResult?: F | CallDisconnected;
}
