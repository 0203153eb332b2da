/**
 * A wait (`waitForEvent`, `waitForEventProcessor`) saw no matching event in time.
 * The message names what was awaited and for how long.
 */
export class CallAutomationTimeoutError extends Error {
  override readonly name = 'CallAutomationTimeoutError';

  constructor(
    /** A readable description of what was awaited, e.g. `PlayCompleted|PlayFailed for call c1, operationContext op1`. */
    readonly awaited: string,
    readonly timeoutMs: number,
  ) {
    super(
      `Timed out after ${timeoutMs} ms waiting for ${awaited}. ` +
        'Check that ACS can reach the callback URI, or pass a longer timeoutMs (module option defaultTimeoutMs).',
    );
  }
}
