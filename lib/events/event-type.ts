/**
 * The start of the CloudEvent `type` of every ACS event (`Microsoft.Communication.PlayCompleted`):
 * the rest is the event's `kind`. For the library's own use (not exported from the package).
 */
export const COMMUNICATION_TYPE_PREFIX = 'Microsoft.Communication.';

/** `Microsoft.Communication.PlayCompleted` -> `PlayCompleted`; other types stay whole. */
export function kindOfType(type: string): string {
  return type.startsWith(COMMUNICATION_TYPE_PREFIX)
    ? type.slice(COMMUNICATION_TYPE_PREFIX.length)
    : type;
}
