import type { ResolvedCallAutomationOptions } from '../options/call-automation-options.interface';
import type { CallEventBus } from './call-event-bus.interface';
import { InProcessEventBus } from './in-process-event-bus';

/** In-process, or Redis when `redis` is set. */
export function createEventBus(options: ResolvedCallAutomationOptions): CallEventBus {
  return new InProcessEventBus(options.dedupeTtlMs, options.maxDedupeIds);
}
