import type {
  RecordingStateChanged,
  StartRecordingFailed,
} from '@azure/communication-call-automation';
import { CallOperationFailedError } from '../errors/call-operation-failed.error';
import type { AnyCallEvent } from '../events/call-event.types';
import type { EventProcessorService } from '../processor/event-processor.service';

export interface RecordingWatchSpec {
  operation: string;
  callConnectionId: string;
  serverCallId?: string;
  /** The state that means success. */
  expected: 'active' | 'inactive';
  timeoutMs?: number;
  signal: AbortSignal;
}

type RecordingEvent = RecordingStateChanged | StartRecordingFailed;

/**
 * Waits for the outcome of a recording request. Recording events carry no operationContext:
 * the outcome is the RecordingStateChanged of the recording (by its recordingId) in the
 * expected state, or its StartRecordingFailed. The watch subscribes before the request is
 * sent and keeps the recording events that come before the recordingId is known (the event
 * may beat the response), so none is missed.
 */
export class RecordingWatch {
  private recordingId: string | undefined;
  private readonly early: RecordingEvent[] = [];
  private readonly closer = new AbortController();
  private readonly waiting: Promise<AnyCallEvent>;

  constructor(
    processor: EventProcessorService,
    private readonly spec: RecordingWatchSpec,
  ) {
    this.waiting = processor.waitForEvent((event) => this.accepts(event), {
      ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
      signal: AbortSignal.any([spec.signal, this.closer.signal]),
    });
    this.waiting.catch(() => {});
  }

  /** The outcome for this recording: resolves with RecordingStateChanged, rejects on failure. */
  async outcome(recordingId: string): Promise<RecordingStateChanged> {
    this.recordingId = recordingId;
    const event =
      this.early.find((candidate) => this.isOutcome(candidate)) ??
      ((await this.waiting) as RecordingEvent);
    if (event.kind === 'StartRecordingFailed') {
      throw new CallOperationFailedError(this.spec.operation, this.spec.callConnectionId, event);
    }
    return event;
  }

  /** Ends the wait (once the outcome is known, or the request failed). */
  close(): void {
    this.closer.abort();
  }

  private accepts(event: AnyCallEvent): boolean {
    if (event.kind !== 'RecordingStateChanged' && event.kind !== 'StartRecordingFailed') {
      return false;
    }
    const recordingEvent = event as RecordingEvent;
    if (this.recordingId === undefined) {
      // Kept whatever call it names: a recording event may carry no callConnectionId.
      this.early.push(recordingEvent);
      return false;
    }
    return this.isOutcome(recordingEvent);
  }

  private isOutcome(event: RecordingEvent): boolean {
    if (event.kind === 'StartRecordingFailed') {
      return event.recordingId === undefined
        ? this.isOfCall(event)
        : event.recordingId === this.recordingId;
    }
    return event.recordingId === this.recordingId && event.state === this.spec.expected;
  }

  private isOfCall(event: RecordingEvent): boolean {
    return (
      event.callConnectionId === this.spec.callConnectionId ||
      (this.spec.serverCallId !== undefined && event.serverCallId === this.spec.serverCallId)
    );
  }
}
