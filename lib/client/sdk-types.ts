import type { CallConnection } from '@azure/communication-call-automation';

/**
 * `CommunicationIdentifier` of `@azure/communication-common`, taken from the SDK's own
 * signatures so that this package needs no dependency of its own on that package.
 */
export type CommunicationIdentifier = Parameters<CallConnection['removeParticipant']>[0];
