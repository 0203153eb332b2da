/** The application is shutting down: pending waits end with this error instead of hanging. */
export class CallAutomationShutdownError extends Error {
  override readonly name = 'CallAutomationShutdownError';

  constructor(awaited: string) {
    super(`The application is shutting down; stopped waiting for ${awaited}.`);
  }
}
