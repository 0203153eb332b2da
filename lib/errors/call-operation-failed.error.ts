import type { ResultInformation } from '@azure/communication-call-automation';
import type { AnyCallEvent } from '../events/call-event.types';

/**
 * A session operation (`call.play`, `call.transfer`, `call.startRecording`, ...) ended with its
 * failure event (PlayFailed, CallTransferFailed, StartRecordingFailed, ...) or was canceled
 * (PlayCanceled, RecognizeCanceled). The message names the operation, the call, the event and
 * the service's reason (code, sub-code, message).
 */
export class CallOperationFailedError extends Error {
  override readonly name = 'CallOperationFailedError';
  /** The service's reason, as the failure event carries it. */
  readonly resultInformation: ResultInformation | undefined;

  constructor(
    /** The session operation, e.g. `play`, `transfer`, `startRecording`. */
    readonly operation: string,
    readonly callConnectionId: string,
    /** The failure event. */
    readonly event: AnyCallEvent,
  ) {
    const resultInformation = (event as { resultInformation?: ResultInformation })
      .resultInformation;
    super(
      `${operation} failed on call ${callConnectionId}: ${event.kind} (${describeResult(resultInformation)}).`,
    );
    this.resultInformation = resultInformation;
  }
}

function describeResult(result: ResultInformation | undefined): string {
  if (result === undefined) return 'no resultInformation';
  const parts = [`code ${result.code ?? '?'}`, `sub-code ${result.subCode ?? '?'}`];
  if (result.message) parts.push(result.message);
  return parts.join(', ');
}
