import { Injectable } from '@nestjs/common';
import { type CallEvent, type CallEventMetadata, OnCallEvent } from 'nestjs-call-automation';
import { type Observable, Subject } from 'rxjs';

export interface TimelineEntry {
  at: string;
  kind: string;
  detail: string;
}

export interface CallTimeline {
  /** serverCallId: the one id an incoming call and its answered connection share. */
  key: string;
  callConnectionId?: string;
  caller?: string;
  startedAt: string;
  ended: boolean;
  entries: TimelineEntry[];
}

const MAX_CALLS = 25;

/** Every event of every call, grouped per call, for the status page. */
@Injectable()
export class CallTimelineService {
  private readonly calls = new Map<string, CallTimeline>();
  /** callConnectionId → timeline key, for events that carry no serverCallId (transcripts). */
  private readonly keyOfConnection = new Map<string, string>();
  private eventCount = 0;
  private readonly changed = new Subject<void>();

  /** Emits after every new entry (the live status page pushes the timelines then). */
  get changes(): Observable<void> {
    return this.changed.asObservable();
  }

  get totalEvents(): number {
    return this.eventCount;
  }

  /** Newest call first. */
  list(): CallTimeline[] {
    return [...this.calls.values()].reverse();
  }

  /** A step of the IVR itself (not an ACS event), shown in the same timeline. */
  note(serverCallId: string, detail: string): void {
    this.timeline(serverCallId).entries.push({ at: new Date().toISOString(), kind: 'IVR', detail });
    this.changed.next();
  }

  @OnCallEvent('*')
  record(event: CallEvent, metadata: CallEventMetadata): void {
    this.eventCount++;
    const connection = event.callConnectionId;
    const key =
      (event as { serverCallId?: string }).serverCallId ??
      (connection ? this.keyOfConnection.get(connection) : undefined) ??
      connection ??
      metadata.id;
    const timeline = this.timeline(key);
    if (event.kind === 'IncomingCall') timeline.caller = event.from.rawId;
    if (connection) {
      timeline.callConnectionId = connection;
      this.keyOfConnection.set(connection, key);
    }
    if (event.kind === 'CallDisconnected') timeline.ended = true;
    timeline.entries.push({
      at: metadata.time ?? new Date().toISOString(),
      kind: event.kind,
      detail: describe(event),
    });
    this.changed.next();
  }

  private timeline(key: string): CallTimeline {
    let timeline = this.calls.get(key);
    if (timeline === undefined) {
      timeline = { key, startedAt: new Date().toISOString(), ended: false, entries: [] };
      this.calls.set(key, timeline);
      if (this.calls.size > MAX_CALLS) {
        const oldest = this.calls.values().next().value as CallTimeline;
        this.calls.delete(oldest.key);
        if (oldest.callConnectionId) this.keyOfConnection.delete(oldest.callConnectionId);
      }
    }
    return timeline;
  }
}

function describe(event: CallEvent): string {
  switch (event.kind) {
    case 'RecognizeCompleted':
      return `tones: ${event.dtmfResult?.tones?.join(' ') ?? '-'}`;
    case 'ParticipantsUpdated':
      return `${event.participants?.length ?? 0} participant(s)`;
    case 'IncomingCall':
      return `from ${event.from.rawId ?? '?'}`;
    case 'TranscriptionData':
      return `${event.resultState}: "${event.text}"`;
    default: {
      const result = 'resultInformation' in event ? event.resultInformation : undefined;
      return result ? `${result.code}/${result.subCode} ${result.message ?? ''}`.trim() : '';
    }
  }
}
