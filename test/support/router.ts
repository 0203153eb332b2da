import { CallEventRouter } from '../../lib/processor/call-event-router';
import type { OngoingEventHandler } from '../../lib/processor/ongoing-handler-registry';
import type { AnyCallEvent } from '../../lib/processor/waiter';

export interface RouterUnderTest {
  router: CallEventRouter;
  /** Errors thrown by ongoing handlers (the router's owner isolates them). */
  handlerErrors: unknown[];
  deliver(kind: string, data?: Record<string, unknown>): AnyCallEvent;
}

/** A router as EventProcessorService builds it, with short defaults for tests. */
export function createRouter(
  options: Partial<{
    defaultTimeoutMs: number;
    backlogTtlMs: number;
    maxBacklogEvents: number;
    maxBacklogBytes: number;
  }> = {},
): RouterUnderTest {
  const handlerErrors: unknown[] = [];
  const router = new CallEventRouter({
    defaultTimeoutMs: options.defaultTimeoutMs ?? 1_000,
    backlogTtlMs: options.backlogTtlMs ?? 5_000,
    maxBacklogEvents: options.maxBacklogEvents ?? 10_000,
    maxBacklogBytes: options.maxBacklogBytes,
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
    router,
    handlerErrors,
    deliver(kind, data = {}) {
      const event = { ...data, kind } as AnyCallEvent;
      router.deliver(event, { id: `event-${sequence++}`, type: `Microsoft.Communication.${kind}` });
      return event;
    },
  };
}
