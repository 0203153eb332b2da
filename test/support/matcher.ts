import type { AnyCallEvent } from '../../lib/events/call-event.types';
import { CallEventMatcher } from '../../lib/processor/call-event-matcher';
import type { OngoingEventHandler } from '../../lib/processor/ongoing-handler-registry';

export interface MatcherUnderTest {
  matcher: CallEventMatcher;
  /** Errors thrown by ongoing handlers (the matcher's owner isolates them). */
  handlerErrors: unknown[];
  deliver(kind: string, data?: Record<string, unknown>): AnyCallEvent;
}

/** A matcher as EventProcessorService builds it, with short defaults for tests. */
export function createMatcher(
  options: Partial<{
    defaultTimeoutMs: number;
    backlogTtlMs: number;
    maxBacklogEvents: number;
    maxBacklogBytes: number;
    disconnectedCallTtlMs: number;
    maxDisconnectedCalls: number;
  }> = {},
): MatcherUnderTest {
  const handlerErrors: unknown[] = [];
  const matcher = new CallEventMatcher({
    defaultTimeoutMs: options.defaultTimeoutMs ?? 1_000,
    backlogTtlMs: options.backlogTtlMs ?? 5_000,
    maxBacklogEvents: options.maxBacklogEvents ?? 10_000,
    maxBacklogBytes: options.maxBacklogBytes,
    disconnectedCallTtlMs: options.disconnectedCallTtlMs ?? 60_000,
    maxDisconnectedCalls: options.maxDisconnectedCalls ?? 10_000,
    invokeOngoing: (handler: OngoingEventHandler, event, metadata) => {
      try {
        handler(event, metadata);
      } catch (error) {
        handlerErrors.push(error);
      }
    },
  });
  let sequence = 0;
  return {
    matcher,
    handlerErrors,
    deliver(kind, data = {}) {
      const event = { ...data, kind } as AnyCallEvent;
      matcher.deliver(event, {
        id: `event-${sequence++}`,
        type: `Microsoft.Communication.${kind}`,
      });
      return event;
    },
  };
}
