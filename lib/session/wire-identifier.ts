import type { CommunicationIdentifier } from '../client/sdk-types';
import type { WireCommunicationIdentifier } from '../events/incoming-call.event';

/**
 * The SDK's identifier for one that came on the wire (an IncomingCall's `from`), so that it
 * can be passed back to the SDK (the target of a recognize).
 */
export function identifierOfWire(wire: WireCommunicationIdentifier): CommunicationIdentifier {
  if (wire.phoneNumber) return { phoneNumber: wire.phoneNumber.value };
  if (wire.communicationUser) return { communicationUserId: wire.communicationUser.id };
  if (wire.microsoftTeamsUser) {
    return {
      microsoftTeamsUserId: wire.microsoftTeamsUser.userId,
      ...(wire.microsoftTeamsUser.isAnonymous !== undefined
        ? { isAnonymous: wire.microsoftTeamsUser.isAnonymous }
        : {}),
      ...(wire.microsoftTeamsUser.cloud !== undefined
        ? { cloud: wire.microsoftTeamsUser.cloud as 'public' }
        : {}),
    };
  }
  if (wire.microsoftTeamsApp) {
    return {
      teamsAppId: wire.microsoftTeamsApp.appId,
      ...(wire.microsoftTeamsApp.cloud !== undefined
        ? { cloud: wire.microsoftTeamsApp.cloud as 'public' }
        : {}),
    };
  }
  if (wire.rawId === undefined) {
    throw new TypeError('The identifier has neither a known kind nor a rawId.');
  }
  return { id: wire.rawId };
}
