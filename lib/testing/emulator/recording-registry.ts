import { randomUUID } from 'node:crypto';

/** A call recording session. */
export interface EmulatedRecording {
  readonly recordingId: string;
  /** `active` while recording, `inactive` while paused. */
  state: 'active' | 'inactive';
  readonly recordingKind: 'azureCommunicationServices';
  /** The recorded call connection, when the locator named one the emulator knows. */
  readonly callConnectionId?: string;
  readonly serverCallId?: string;
  readonly correlationId?: string;
  /** Where RecordingStateChanged goes: `recordingStateCallbackUri`, else the call's callback. */
  readonly callbackUrl?: string;
  readonly startedAt: Date;
}

/** The recordings that were started and not stopped. */
export class RecordingRegistry {
  private readonly recordings = new Map<string, EmulatedRecording>();

  start(
    init: Omit<EmulatedRecording, 'recordingId' | 'recordingKind' | 'startedAt'>,
  ): EmulatedRecording {
    // Shaped like ACS's: base64 of a small JSON locator (it holds '+', '/' and '=', which the
    // SDK must percent-encode in the path).
    const recordingId = Buffer.from(
      JSON.stringify({ PlatformEndpointId: randomUUID(), ResourceSpecificId: randomUUID() }),
    ).toString('base64');
    const recording: EmulatedRecording = {
      ...init,
      recordingId,
      recordingKind: 'azureCommunicationServices',
      startedAt: new Date(),
    };
    this.recordings.set(recordingId, recording);
    return recording;
  }

  get(recordingId: string): EmulatedRecording | undefined {
    return this.recordings.get(recordingId);
  }

  remove(recordingId: string): void {
    this.recordings.delete(recordingId);
  }

  all(): EmulatedRecording[] {
    return [...this.recordings.values()];
  }
}
