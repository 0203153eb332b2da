/**
 * Events could not be handed over to the shared bus (Redis unreachable). Nothing of the batch
 * counts as seen: the webhook answers 503 so that ACS or Event Grid delivers it again.
 */
export class EventBusUnavailableError extends Error {
  override readonly name = 'EventBusUnavailableError';
}
