import { Injectable } from '@nestjs/common';
import { type CallEvent, OnCallEvent } from 'nestjs-call-automation';

/**
 * The cross-replica benchmark's @OnCallEvent handler: notes, as it starts, how long ago the
 * event's callback was written (`sentAt`, ms since the epoch, set by the sender), keyed by the
 * event's operationContext so that each measurement takes its own.
 */
@Injectable()
export class HandlerLatencies {
  private readonly byPrefix = new Map<string, number[]>();

  @OnCallEvent('PlayCompleted')
  started(event: CallEvent): void {
    const now = performance.timeOrigin + performance.now();
    const { sentAt, operationContext } = event as { sentAt?: number; operationContext?: string };
    if (sentAt === undefined || operationContext === undefined) return;
    // The prefix is `<uuid>:`; the rest is the event's number.
    const prefix = operationContext.slice(0, operationContext.lastIndexOf(':') + 1);
    let list = this.byPrefix.get(prefix);
    if (list === undefined) {
      list = [];
      this.byPrefix.set(prefix, list);
    }
    list.push(now - sentAt);
  }

  /** The latencies noted for `prefix` so far, forgotten here. */
  take(prefix: string): number[] {
    const list = this.byPrefix.get(prefix) ?? [];
    this.byPrefix.delete(prefix);
    return list;
  }
}
