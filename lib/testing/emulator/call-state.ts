import { rawIdOf, type WireIdentifier } from '../events/wire-identifiers';
import { MediaQueue } from './media-queue';
import type { ScriptedParty } from './scripted-party';
import type { EmulatedMediaStream } from './streaming/emulated-media-stream';
import type { MediaStreamingConfig, TranscriptionConfig } from './streaming/streaming-config';
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

/** A participant as the wire carries it (`CallParticipantInternal`). */
export interface WireParticipant {
  identifier: WireIdentifier;
  isMuted: boolean;
  isOnHold: boolean;
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
  /** The app's own identity in the call (its bot): listed among the participants. */
  application: WireIdentifier;
  /** The media streaming / transcription options the call was set up with. */
  streaming?: { media?: MediaStreamingConfig; transcription?: TranscriptionConfig };
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
  readonly application: WireIdentifier;
  readonly createdAt = new Date();

  /** Timers owned by the call: canceled when it ends. */
  readonly timers = new Set<ScheduledTimer>();
  readonly media = new MediaQueue();
  readonly invitations = new Map<string, PendingInvitation>();
  readonly continuousDtmf = new Map<string, ContinuousDtmfRecognition>();
  transcription: { active: boolean; locale?: string; subscribed: boolean };
  mediaStreaming: { active: boolean; subscribed: boolean };
  /** Set-up options: where and how ACS streams audio and transcripts. */
  readonly mediaStreamingConfig?: MediaStreamingConfig;
  readonly transcriptionConfig?: TranscriptionConfig;
  /** How many of each party's scripted phrases (`says`) were said in this call, by raw id. */
  readonly phrasesSaid = new Map<string, number>();
  /** Every WebSocket opened for the call, oldest first. */
  readonly streams: EmulatedMediaStream[] = [];
  private readonly streamListeners = new Set<(stream: EmulatedMediaStream) => void>();

  private currentState: CallConnectionState = 'connecting';
  private readonly participantsByRawId = new Map<string, EmulatedParticipant>();
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
    this.application = init.application;
    // A subscription exists once requested at set-up or started; real answers leave it out
    // otherwise.
    this.mediaStreamingConfig = init.streaming?.media;
    this.transcriptionConfig = init.streaming?.transcription;
    this.transcription = {
      active: false,
      locale: this.transcriptionConfig?.locale,
      subscribed: this.transcriptionConfig !== undefined,
    };
    this.mediaStreaming = { active: false, subscribed: this.mediaStreamingConfig !== undefined };
  }

  addStream(stream: EmulatedMediaStream): void {
    this.streams.push(stream);
    for (const listener of [...this.streamListeners]) listener(stream);
  }

  /** The newest stream of `kind`, if any. */
  latestStream(kind: EmulatedMediaStream['kind']): EmulatedMediaStream | undefined {
    return this.streams.findLast((stream) => stream.kind === kind);
  }

  onStream(listener: (stream: EmulatedMediaStream) => void): () => void {
    this.streamListeners.add(listener);
    return () => this.streamListeners.delete(listener);
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

  /**
   * Participants as the wire carries them (`CallParticipantInternal`): the parties, then the
   * app itself, as ParticipantsUpdated and listParticipants list it in real calls (a 1:1 call
   * lists two; after the other party leaves, the app is still listed).
   */
  wireParticipants(): WireParticipant[] {
    return [
      ...this.participants.map(({ identifier, isMuted, isOnHold }) => ({
        identifier,
        isMuted,
        isOnHold,
      })),
      { identifier: this.application, isMuted: false, isOnHold: false },
    ];
  }

  /** One participant as the wire carries it, the app included; undefined when not in the call. */
  wireParticipant(rawId: string | undefined): WireParticipant | undefined {
    return this.wireParticipants().find(({ identifier }) => rawIdOf(identifier) === rawId);
  }

  /**
   * The body of GET /calling/callConnections/{id} (`CallConnectionPropertiesInternal`).
   * `answer` is what the set-up request is answered with: createCall's answer has no
   * `serverCallId` (it is not known yet), answerCall's says `callConnectionState: unknown`,
   * as recorded.
   */
  properties(answer?: 'createCall' | 'answerCall'): Record<string, unknown> {
    return {
      callConnectionId: this.callConnectionId,
      serverCallId: answer === 'createCall' ? undefined : this.serverCallId,
      targets: this.targets,
      callConnectionState: answer === 'answerCall' ? 'unknown' : this.currentState,
      callbackUri: this.callbackUri,
      source: this.source,
      sourceCallerIdNumber: this.sourceCallerIdNumber,
      // Real createCall answers carry an empty display name when none was given.
      sourceDisplayName:
        this.direction === 'outbound' ? (this.sourceDisplayName ?? '') : this.sourceDisplayName,
      correlationId: this.correlationId,
      answeredBy: this.answeredBy,
      mediaStreamingSubscription: this.mediaStreaming.subscribed
        ? {
            id: `${this.callConnectionId}-media`,
            state: this.mediaStreaming.active ? 'active' : 'inactive',
            subscribedContentTypes: this.mediaStreaming.active ? ['audio'] : [],
          }
        : undefined,
      transcriptionSubscription: this.transcription.subscribed
        ? {
            id: `${this.callConnectionId}-transcription`,
            state: this.transcription.active ? 'active' : 'inactive',
            subscribedResultStates: this.transcription.active ? ['final', 'intermediate'] : [],
            locale: this.transcription.locale,
          }
        : undefined,
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
