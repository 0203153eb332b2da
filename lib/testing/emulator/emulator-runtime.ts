import type { RestResultInformation } from '@azure/communication-call-automation';
import {
  type CallAutomationEventKind,
  type CallEventDataMap,
  type CallEventOf,
  callEvent,
} from '../events/call-events';
import { communicationUser, type WireIdentifier } from '../events/wire-identifiers';
import type { CloudEvent } from '../library-types';
import type { CallRegistry, EmulatedCall } from './call-state';
import type { CallbackTokenSigner } from './callback-token-signer';
import type { ResolvedEmulatorOptions } from './emulator-options';
import type { EventDispatcher } from './event-dispatcher';
import type { IncomingCallRegistry } from './incoming-call-registry';
import { type EmulatedOperation, resolveFailure } from './operation-catalog';
import type { RecordingRegistry } from './recording-registry';
import { RestFailure } from './rest-response';
import type { OperationScript, ScenarioScript } from './scenario-script';
import type { ScriptedParty } from './scripted-party';
import type { ScheduledTimer, TimerRegistry } from './timer-registry';

/** Events scheduled for later. */
export interface ScheduledEvents {
  /** True once delivered (or held, or given up); false when canceled before they were sent. */
  readonly delivered: Promise<boolean>;
  /** Cancels them if they have not been sent yet; true when they were still pending. */
  cancel(): boolean;
}

/** An event to send; a plain event goes where the schedule options say. */
export type OutgoingEvent = CloudEvent | { event: CloudEvent; url?: string; duplicate?: boolean };

export interface ScheduleOptions {
  /** Default: the call's callbackUri. */
  url?: string;
  /** Wait before the events are queued (ringing, media duration, scripted delay). */
  afterMs?: number;
  /** Deliver each event twice with the same id. */
  duplicate?: boolean;
}

/** The state and services the REST handlers share. */
export class EmulatorRuntime {
  /**
   * The last ParticipantsUpdated `sequenceNumber` of each server call: real ACS numbers them
   * across the call's legs (a leg that joins later starts after the others' last number).
   */
  private readonly sequenceNumbers = new Map<string, number>();

  constructor(
    readonly options: ResolvedEmulatorOptions,
    readonly timers: TimerRegistry,
    readonly dispatcher: EventDispatcher,
    readonly script: ScenarioScript,
    readonly calls: CallRegistry,
    readonly incomingCalls: IncomingCallRegistry,
    readonly recordings: RecordingRegistry,
    /** Signs callback and WebSocket tokens. */
    readonly signer: CallbackTokenSigner,
  ) {}

  /** The call, or 404 as the service answers for an unknown or ended call connection. */
  requireCall(callConnectionId: string): EmulatedCall {
    const call = this.calls.get(callConnectionId);
    if (!call || call.isOver) throw RestFailure.callNotFound(callConnectionId);
    return call;
  }

  /** The call, which must be connected: mid-call actions before CallConnected are refused. */
  requireConnected(callConnectionId: string): EmulatedCall {
    const call = this.requireCall(callConnectionId);
    if (call.state === 'connecting') throw RestFailure.callNotEstablished();
    return call;
  }

  /** An event of `call` (its ids filled in), built by the shared factories. */
  event<K extends CallAutomationEventKind>(
    call: EmulatedCall,
    kind: K,
    data: CallEventDataMap[K] = {},
  ): CallEventOf<K> {
    return callEvent(kind, {
      callConnectionId: call.callConnectionId,
      serverCallId: call.serverCallId,
      correlationId: call.correlationId,
      ...data,
    } as CallEventDataMap[K]);
  }

  /** An event of a kind known only at run time (scripted failures). */
  eventOfKind(
    call: EmulatedCall,
    kind: CallAutomationEventKind,
    data: Record<string, unknown>,
  ): CloudEvent {
    return this.event(call, kind, data as CallEventDataMap[CallAutomationEventKind]);
  }

  /**
   * ParticipantsUpdated with the call's current participants (the app included), to the
   * call's callback, followed by the repeats `participantsUpdatedRepeats` asks for.
   */
  participantsUpdated(call: EmulatedCall): OutgoingEvent[] {
    const participants = call.wireParticipants();
    const repeats = Math.max(0, this.options.participantsUpdatedRepeats);
    return Array.from({ length: 1 + repeats }, () => ({
      event: this.event(call, 'ParticipantsUpdated', {
        participants: structuredClone(participants),
        sequenceNumber: this.nextSequenceNumber(call.serverCallId),
      }),
      url: call.callbackUri,
      duplicate: false,
    }));
  }

  private nextSequenceNumber(serverCallId: string): number {
    const next = (this.sequenceNumbers.get(serverCallId) ?? 0) + 1;
    this.sequenceNumbers.set(serverCallId, next);
    return next;
  }

  /** The app's identity in a new call connection: createCall's `source`, else the option. */
  applicationIdentity(sourceId?: string): WireIdentifier {
    return communicationUser(sourceId ?? this.options.applicationId);
  }

  /**
   * Sends the events `build` makes, after `afterMs`, in order with the call's other events.
   * `build` runs when they are due, so it sees (and may change) the state of that moment.
   * The timer belongs to the call: the call ending cancels it.
   */
  schedule(
    call: EmulatedCall,
    build: () => OutgoingEvent[],
    options: ScheduleOptions = {},
  ): ScheduledEvents {
    let settle: (delivered: boolean) => void = () => {};
    const delivered = new Promise<boolean>((resolve) => {
      settle = resolve;
    });
    const url = options.url ?? call.callbackUri;
    const fire = (): void => {
      const items = build().map((entry) =>
        'type' in entry
          ? { event: entry, url, duplicate: options.duplicate ?? false }
          : {
              event: entry.event,
              url: entry.url ?? url,
              duplicate: entry.duplicate ?? options.duplicate ?? false,
            },
      );
      void this.dispatcher.enqueue(call.callConnectionId, items).then(() => settle(true));
    };
    const afterMs = options.afterMs ?? 0;
    if (afterMs <= 0) {
      fire();
      return { delivered, cancel: () => false };
    }
    const timer: ScheduledTimer = this.timers.schedule(afterMs, fire, {
      owner: call.timers,
      onCancel: () => settle(false),
    });
    return { delivered, cancel: () => timer.cancel() };
  }

  /**
   * Ends the call: nothing more happens on it (pending events, media and invitations are
   * dropped) and CallDisconnected goes to its callback. Resolves once delivered.
   */
  disconnect(
    call: EmulatedCall,
    resultInformation: RestResultInformation,
    operationContext?: string,
  ): Promise<void> {
    if (call.isOver) return Promise.resolve();
    this.endCall(call);
    return this.schedule(call, () => [
      this.event(call, 'CallDisconnected', { resultInformation, operationContext }),
    ]).delivered.then(() => undefined);
  }

  /** Marks the call ended and drops what was pending on it (no events). */
  endCall(call: EmulatedCall): void {
    call.state = 'disconnected';
    for (const timer of [...call.timers]) timer.cancel();
    call.media.clear();
    call.invitations.clear();
    call.continuousDtmf.clear();
    // ACS closes the call's WebSockets normally when the call ends.
    for (const stream of call.streams) stream.close(1000, 'call ended');
    call.mediaStreaming.active = false;
    call.transcription.active = false;
  }

  /** How long a party rings before it reacts. */
  ringTime(party: ScriptedParty | undefined): number {
    return party?.script.answerAfterMs ?? this.options.eventDelayMs;
  }

  /** The scripted party: one in the call first, else one scripted globally. */
  partyFor(call: EmulatedCall | undefined, rawId: string | undefined): ScriptedParty | undefined {
    if (rawId === undefined) return undefined;
    return call?.participant(rawId)?.party ?? this.script.partyFor(rawId);
  }

  /** The scripted failure of this run, if any. */
  failureOf(
    operation: EmulatedOperation,
    script: OperationScript | undefined,
  ): RestResultInformation | undefined {
    const spec = script?.fail as true | string | RestResultInformation | undefined;
    return spec === undefined ? undefined : resolveFailure(operation, spec);
  }
}
