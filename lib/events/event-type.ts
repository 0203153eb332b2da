/**
 * The start of the CloudEvent `type` of every ACS event (`Microsoft.Communication.PlayCompleted`):
 * the rest is the event's `kind`. For the library's own use (not exported from the package).
 */
export const CALL_AUTOMATION_TYPE_PREFIX = 'Microsoft.Communication.';

/** `Microsoft.Communication.PlayCompleted` -> `PlayCompleted`; other types stay whole. */
export function kindOfType(type: string): string {
  return type.startsWith(CALL_AUTOMATION_TYPE_PREFIX)
    ? type.slice(CALL_AUTOMATION_TYPE_PREFIX.length)
    : type;
}
