import type { RestResultInformation } from '@azure/communication-call-automation';
import { resultCodes } from '../events/result-information';
import { rawIdOf, type WireIdentifier } from '../events/wire-identifiers';
import type { CallConnectionState, CallDirection, EmulatedCall } from './call-state';
import { tonesOf } from './dtmf-tones';
import type { EmulatorRuntime } from './emulator-runtime';
import type { EmulatedOperation } from './operation-catalog';
import { normalizePartyId, type OperationScript } from './scenario-script';
import type { EmulatedMediaStream, EmulatedStreamKind } from './streaming/emulated-media-stream';

/** A participant of an emulated call, as it stands now. */
export interface ParticipantSnapshot {
  rawId: string;
  identifier: WireIdentifier;
  isMuted: boolean;
  isOnHold: boolean;
}

/**
 * One call connection of the emulator, seen from the test: its state, and what the remote
 * side can do to it (hang up, press keys, leave).
 */
export class EmulatedCallHandle {
  /** @internal */
  constructor(
    private readonly runtime: EmulatorRuntime,
    private readonly call: EmulatedCall,
  ) {}

  get callConnectionId(): string {
    return this.call.callConnectionId;
  }

  get serverCallId(): string {
    return this.call.serverCallId;
  }

  get correlationId(): string {
    return this.call.correlationId;
  }

  get callbackUri(): string {
    return this.call.callbackUri;
  }

  /** `outbound` (createCall), `inbound` (answerCall) or `connect` (connectCall). */
  get direction(): CallDirection {
    return this.call.direction;
  }

  get state(): CallConnectionState {
    return this.call.state;
  }

  /** The parties in the call, the application itself not included. */
  get participants(): ParticipantSnapshot[] {
    return this.call.participants.map(({ identifier, isMuted, isOnHold }) => ({
      rawId: rawIdOf(identifier) ?? '',
      identifier,
      isMuted,
      isOnHold,
    }));
  }

  /** Live transcription and media streaming, as started by the app. */
  get media(): { transcribing: boolean; locale?: string; streaming: boolean; operations: number } {
    return {
      transcribing: this.call.transcription.active,
      locale: this.call.transcription.locale,
      streaming: this.call.mediaStreaming.active,
      operations: this.call.media.active.length,
    };
  }

  /** The newest media streaming WebSocket of the call (open or not), if ACS opened one. */
  get mediaStream(): EmulatedMediaStream | undefined {
    return this.call.latestStream('audio');
  }

  /** The newest live transcription WebSocket of the call, if ACS opened one. */
  get transcriptionStream(): EmulatedMediaStream | undefined {
    return this.call.latestStream('transcription');
  }

  /** Every WebSocket ACS opened for the call (media and transcription), oldest first. */
  get streams(): readonly EmulatedMediaStream[] {
    return [...this.call.streams];
  }

  /**
   * The call's media stream once ACS starts connecting it (at once if it did); wait on the
   * stream's `waitForOpen()` for the connection itself.
   */
  waitForMediaStream(timeoutMs = 5_000): Promise<EmulatedMediaStream> {
    return this.waitForStream('audio', timeoutMs);
  }

  /** The call's transcription stream once ACS starts connecting it. */
  waitForTranscriptionStream(timeoutMs = 5_000): Promise<EmulatedMediaStream> {
    return this.waitForStream('transcription', timeoutMs);
  }

  /** Scripts the next run(s) of an operation on this call only (wins over global scripts). */
  nextOperation<O extends EmulatedOperation>(operation: O, script: OperationScript<O> = {}): this {
    this.runtime.script.add(operation, script as OperationScript, this.call.callConnectionId);
    return this;
  }

  /**
   * The remote side hangs up: the call ends and the app gets CallDisconnected, 200/5001 as
   * real ACS sends when the other party hung up (`resultCodes.removedByParticipant` for a leg
   * that another participant removed). Resolves once it is delivered.
   */
  hangUp(
    resultInformation: RestResultInformation = resultCodes.callEndedByParticipant,
  ): Promise<void> {
    return this.runtime.disconnect(this.call, resultInformation);
  }

  /** A participant leaves the call: the app gets ParticipantsUpdated without it. */
  async leave(participant: string): Promise<void> {
    const rawId = normalizePartyId(participant);
    if (this.call.isOver) throw new Error(`Call ${this.call.callConnectionId} has ended.`);
    if (!this.call.removeParticipant(rawId)) {
      throw new Error(`${participant} is not in call ${this.call.callConnectionId}.`);
    }
    await this.runtime.schedule(this.call, () => this.runtime.participantsUpdated(this.call))
      .delivered;
  }

  /**
   * A participant presses keys while continuous DTMF recognition runs for it: one
   * ContinuousDtmfRecognitionToneReceived per key, with increasing `sequenceId`. `participant`
   * may be left out when recognition runs for one participant only.
   */
  async pressTones(keys: string, participant?: string): Promise<void> {
    const tones = tonesOf(keys);
    const running = [...this.call.continuousDtmf.entries()];
    const entry = participant
      ? running.find(([rawId]) => rawId === normalizePartyId(participant))
      : running.length === 1
        ? running[0]
        : undefined;
    if (!entry) {
      throw new Error(
        participant
          ? `Continuous DTMF recognition is not running for ${participant}.`
          : `Name the participant: continuous DTMF recognition runs for ${running.length} participants.`,
      );
    }
    const [, recognition] = entry;
    await this.runtime.schedule(
      this.call,
      () =>
        tones.map((tone) => {
          const sequenceId = recognition.nextSequenceId++;
          return this.runtime.event(this.call, 'ContinuousDtmfRecognitionToneReceived', {
            operationContext: recognition.operationContext,
            tone,
            sequenceId,
            resultInformation: resultCodes.success,
          });
        }),
      { url: recognition.url },
    ).delivered;
  }

  /** Resolves once the call is in `state` (at once if it is); rejects after `timeoutMs`. */
  waitForState(state: CallConnectionState, timeoutMs = 5_000): Promise<void> {
    if (this.call.state === state) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(
          new Error(
            `Call ${this.call.callConnectionId} is ${this.call.state}, not ${state}, after ${timeoutMs} ms.`,
          ),
        );
      }, timeoutMs);
      timer.unref();
      const stop = this.call.onStateChange((current) => {
        if (current !== state) return;
        clearTimeout(timer);
        stop();
        resolve();
      });
    });
  }

  private waitForStream(kind: EmulatedStreamKind, timeoutMs: number): Promise<EmulatedMediaStream> {
    const existing = this.call.latestStream(kind);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(
          new Error(
            `ACS opened no ${kind} stream for call ${this.call.callConnectionId} within ${timeoutMs} ms.`,
          ),
        );
      }, timeoutMs);
      timer.unref();
      const stop = this.call.onStream((stream) => {
        if (stream.kind !== kind) return;
        clearTimeout(timer);
        stop();
        resolve(stream);
      });
    });
  }
}
