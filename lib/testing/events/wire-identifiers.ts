import type { RestAddParticipantSucceeded } from '@azure/communication-call-automation';

/**
 * An identifier as ACS puts it on the wire (`CommunicationIdentifierModel`):
 * `{ kind, rawId, communicationUser: { id } }` or `{ kind, rawId, phoneNumber: { value } }`.
 */
export type WireIdentifier = NonNullable<RestAddParticipantSucceeded['participant']>;

/** A Communication Services user, e.g. `communicationUser('8:acs:resource_0001')`. */
export function communicationUser(id: string): WireIdentifier {
  return { kind: 'communicationUser', rawId: id, communicationUser: { id } };
}

/**
 * A phone number, e.g. `phoneNumber('+15551234567')`; its rawId is `4:+15551234567`. Like the
 * recorded payloads, it carries no `isAnonymous`.
 */
export function phoneNumber(value: string): WireIdentifier {
  return { kind: 'phoneNumber', rawId: `4:${value}`, phoneNumber: { value } };
}

/**
 * The wire identifier for a raw id: `4:+1555…` is a phone number, anything else a
 * Communication Services user (the kinds an emulated call deals with).
 */
export function identifierFromRawId(rawId: string): WireIdentifier {
  return rawId.startsWith('4:') ? phoneNumber(rawId.slice(2)) : communicationUser(rawId);
}

/**
 * The raw id of an identifier as a request carries it. Requests may leave out `rawId` or
 * `kind` (media operations send neither `kind` nor always `rawId`), so it is derived.
 */
export function rawIdOf(identifier: WireIdentifier | undefined): string | undefined {
  if (!identifier) return undefined;
  if (identifier.rawId) return identifier.rawId;
  if (identifier.communicationUser?.id) return identifier.communicationUser.id;
  if (identifier.phoneNumber?.value) return `4:${identifier.phoneNumber.value}`;
  if (identifier.microsoftTeamsUser?.userId)
    return `8:orgid:${identifier.microsoftTeamsUser.userId}`;
  if (identifier.microsoftTeamsApp?.appId) return `28:orgid:${identifier.microsoftTeamsApp.appId}`;
  return undefined;
}

/**
 * The identifier completed the way ACS answers it: `kind` and `rawId` always present, and a
 * phone number without `isAnonymous: false` (recorded payloads leave it out).
 */
export function normalizeIdentifier(identifier: WireIdentifier): WireIdentifier {
  const rawId = rawIdOf(identifier);
  const completed =
    identifier.kind && identifier.rawId
      ? identifier
      : rawId === undefined
        ? { ...identifier, kind: identifier.kind ?? 'unknown' }
        : { ...identifierFromRawId(rawId), ...identifier, rawId, kind: kindOf(identifier, rawId) };
  const phone = completed.phoneNumber;
  if (phone && !phone.isAnonymous) {
    return { ...completed, phoneNumber: { value: phone.value } };
  }
  return completed;
}

function kindOf(identifier: WireIdentifier, rawId: string): string {
  if (identifier.kind) return identifier.kind;
  if (identifier.phoneNumber) return 'phoneNumber';
  if (identifier.communicationUser) return 'communicationUser';
  if (identifier.microsoftTeamsUser) return 'microsoftTeamsUser';
  if (identifier.microsoftTeamsApp) return 'microsoftTeamsApp';
  return rawId.startsWith('4:') ? 'phoneNumber' : 'communicationUser';
}
