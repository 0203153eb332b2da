import { rawIdOf, type WireIdentifier } from '../events/wire-identifiers';
import { MediaQueue } from './media-queue';
import type { ScriptedParty } from './scripted-party';
import type { ScheduledTimer } from './timer-registry';

/** The states of a call connection, as the service names them. */
export type CallConnectionState =
  | 'connecting'
  | 'connected'
  | 'transferring'
  | 'transferAccepted'
  | 'disconnecting'
  | 'disconnected';

/** A party in the call other than the application itself. */
export interface EmulatedParticipant {
  identifier: WireIdentifier;
  isMuted: boolean;
  isOnHold: boolean;
  /** How it behaves (its recognize inputs), when scripted. */
  party?: ScriptedParty;
}

/** An addParticipant invitation that has not been answered yet. */
export interface PendingInvitation {
  invitationId: string;
  participant: WireIdentifier;
  operationContext?: string;
  url: string;
  /** Ends the ringing without an outcome (cancel). */
  stopRinging(): void;
}

/** Continuous DTMF recognition running for one participant. */
export interface ContinuousDtmfRecognition {
  operationContext?: string;
  url: string;
  nextSequenceId: number;
}

/** How a call connection came to be. */
export type CallDirection = 'outbound' | 'inbound' | 'connect';

export interface EmulatedCallInit {
  callConnectionId: string;
  serverCallId: string;
  correlationId: string;
  callbackUri: string;
  direction: CallDirection;
  targets: WireIdentifier[];
  source?: WireIdentifier;
  sourceCallerIdNumber?: { value: string };
  sourceDisplayName?: string;
  answeredBy?: { id: string };
}

/** The state of one call connection in the emulator. */
export class EmulatedCall {
  readonly callConnectionId: string;
  readonly serverCallId: string;
  readonly correlationId: string;
  readonly callbackUri: string;
  readonly direction: CallDirection;
  readonly targets: WireIdentifier[];
  readonly source?: WireIdentifier;
  readonly sourceCallerIdNumber?: { value: string };
  readonly sourceDisplayName?: string;
  readonly answeredBy?: { id: string };
  readonly createdAt = new Date();

  /** Timers owned by the call: canceled when it ends. */
  readonly timers = new Set<ScheduledTimer>();
  readonly media = new MediaQueue();
  readonly invitations = new Map<string, PendingInvitation>();
  readonly continuousDtmf = new Map<string, ContinuousDtmfRecognition>();
  transcription: { active: boolean; locale?: string } = { active: false };
  mediaStreaming: { active: boolean } = { active: false };

  private currentState: CallConnectionState = 'connecting';
  private readonly participantsByRawId = new Map<string, EmulatedParticipant>();
  private sequenceNumber = 0;
  private readonly stateListeners = new Set<(state: CallConnectionState) => void>();

  constructor(init: EmulatedCallInit) {
    this.callConnectionId = init.callConnectionId;
    this.serverCallId = init.serverCallId;
    this.correlationId = init.correlationId;
    this.callbackUri = init.callbackUri;
    this.direction = init.direction;
    this.targets = init.targets;
    this.source = init.source;
    this.sourceCallerIdNumber = init.sourceCallerIdNumber;
    this.sourceDisplayName = init.sourceDisplayName;
    this.answeredBy = init.answeredBy;
  }

  get state(): CallConnectionState {
    return this.currentState;
  }

  set state(state: CallConnectionState) {
    if (state === this.currentState) return;
    this.currentState = state;
    for (const listener of [...this.stateListeners]) listener(state);
  }

  /** True once it ended (hang-up, transfer, failure). */
  get isOver(): boolean {
    return this.currentState === 'disconnected' || this.currentState === 'disconnecting';
  }

  onStateChange(listener: (state: CallConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  get participants(): readonly EmulatedParticipant[] {
    return [...this.participantsByRawId.values()];
  }

  participant(rawId: string | undefined): EmulatedParticipant | undefined {
    return rawId === undefined ? undefined : this.participantsByRawId.get(rawId);
  }

  addParticipant(identifier: WireIdentifier, party?: ScriptedParty): EmulatedParticipant {
    const participant: EmulatedParticipant = { identifier, isMuted: false, isOnHold: false, party };
    this.participantsByRawId.set(rawIdOf(identifier) ?? '', participant);
    return participant;
  }

  removeParticipant(rawId: string | undefined): EmulatedParticipant | undefined {
    const participant = this.participant(rawId);
    if (participant && rawId !== undefined) this.participantsByRawId.delete(rawId);
    return participant;
  }

  /** The next `sequenceNumber` of ParticipantsUpdated. */
  nextSequenceNumber(): number {
    this.sequenceNumber += 1;
    return this.sequenceNumber;
  }

  /** Participants as the wire carries them (`CallParticipantInternal`). */
  wireParticipants(): { identifier: WireIdentifier; isMuted: boolean; isOnHold: boolean }[] {
    return this.participants.map(({ identifier, isMuted, isOnHold }) => ({
      identifier,
      isMuted,
      isOnHold,
    }));
  }

  /** The body of GET /calling/callConnections/{id} (`CallConnectionPropertiesInternal`). */
  properties(): Record<string, unknown> {
    return {
      callConnectionId: this.callConnectionId,
      serverCallId: this.serverCallId,
      targets: this.targets,
      callConnectionState: this.currentState,
      callbackUri: this.callbackUri,
      source: this.source,
      sourceCallerIdNumber: this.sourceCallerIdNumber,
      sourceDisplayName: this.sourceDisplayName,
      correlationId: this.correlationId,
      answeredBy: this.answeredBy,
      mediaStreamingSubscription: {
        id: `${this.callConnectionId}-media`,
        state: this.mediaStreaming.active ? 'active' : 'inactive',
        subscribedContentTypes: this.mediaStreaming.active ? ['audio'] : [],
      },
      transcriptionSubscription: {
        id: `${this.callConnectionId}-transcription`,
        state: this.transcription.active ? 'active' : 'inactive',
        subscribedResultStates: this.transcription.active ? ['final', 'intermediate'] : [],
        locale: this.transcription.locale,
      },
    };
  }
}

/** Every call connection of the emulator, ended ones included (for inspection). */
export class CallRegistry {
  private readonly calls = new Map<string, EmulatedCall>();
  private readonly createdListeners = new Set<(call: EmulatedCall) => void>();

  add(call: EmulatedCall): void {
    this.calls.set(call.callConnectionId, call);
    for (const listener of [...this.createdListeners]) listener(call);
  }

  get(callConnectionId: string): EmulatedCall | undefined {
    return this.calls.get(callConnectionId);
  }

  byServerCallId(serverCallId: string): EmulatedCall | undefined {
    return [...this.calls.values()].find(
      (call) => call.serverCallId === serverCallId && !call.isOver,
    );
  }

  all(): EmulatedCall[] {
    return [...this.calls.values()];
  }

  onCreated(listener: (call: EmulatedCall) => void): () => void {
    this.createdListeners.add(listener);
    return () => this.createdListeners.delete(listener);
  }
}
