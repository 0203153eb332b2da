/** A module option is missing or has the wrong form. Thrown at application start-up. */
export class CallAutomationConfigurationError extends Error {
  override readonly name = 'CallAutomationConfigurationError';
}
