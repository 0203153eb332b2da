/** An identifier as ACS puts it on the wire (Event Grid payloads are not converted by the SDK). */
export interface WireCommunicationIdentifier {
  kind?: string;
  rawId?: string;
  communicationUser?: { id: string };
  phoneNumber?: { value: string; isAnonymous?: boolean; assertedId?: string };
  microsoftTeamsUser?: { userId: string; isAnonymous?: boolean; cloud?: string };
  microsoftTeamsApp?: { appId: string; cloud?: string };
}

/**
 * `Microsoft.Communication.IncomingCall`, delivered by Event Grid to the incoming-call endpoint.
 * Pass `incomingCallContext` to `answerCall`, `redirectCall` or `rejectCall`.
 */
export interface IncomingCall {
  kind: 'IncomingCall';
  to: WireCommunicationIdentifier;
  from: WireCommunicationIdentifier;
  serverCallId: string;
  callerDisplayName?: string;
  customContext?: {
    sipHeaders?: Record<string, string>;
    voipHeaders?: Record<string, string>;
  };
  incomingCallContext: string;
  correlationId: string;
  onBehalfOfCallee?: WireCommunicationIdentifier;
  /** Not part of an incoming call; present so every event can be read the same way. */
  callConnectionId?: undefined;
  operationContext?: undefined;
}
