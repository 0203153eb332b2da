import type { CallDisconnected } from '@azure/communication-call-automation';

/** A waiter for a call was still pending when that call disconnected. */
export class CallDisconnectedError extends Error {
  override readonly name = 'CallDisconnectedError';

  constructor(
    readonly callConnectionId: string,
    /** The CallDisconnected event that ended the call. */
    readonly event: CallDisconnected,
    awaited: string,
  ) {
    super(`Call ${callConnectionId} disconnected while waiting for ${awaited}.`);
  }
}
