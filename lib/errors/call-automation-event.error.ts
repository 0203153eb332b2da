/**
 * Input given to `processEvents` (or posted to the webhook) is not a CloudEvent or a batch of them.
 * Nothing of that input was dispatched.
 */
export class CallAutomationEventError extends Error {
  override readonly name = 'CallAutomationEventError';

  constructor(
    message: string,
    /** Index of the offending entry in the batch, when one entry is to blame. */
    readonly index?: number,
  ) {
    super(message);
  }
}
