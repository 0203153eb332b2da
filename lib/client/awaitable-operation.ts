import type { EventResult } from '../processor/event-result';
import type { WaitOptions } from '../processor/waiter';
import type { OperationEvents, OperationName } from './operation-events';

/** The typed outcome of an operation: `OperationResult<'playToAll'>`. */
export type OperationResult<N extends OperationName> = EventResult<
  OperationEvents[N]['success'],
  OperationEvents[N]['failure']
>;

/** What every wrapped operation adds to the SDK's result. */
export interface AwaitableOperation<N extends OperationName> {
  /** The operationContext sent with the request (yours, or a fresh UUID). */
  operationContext: string;
  /**
   * Resolves with the operation's outcome event: `{ isSuccess, successResult?, failureResult? }`.
   * Rejects with `CallAutomationTimeoutError` when nothing comes within `timeoutMs` (default:
   * the module's `defaultTimeoutMs`). The outcome is kept even if it came before this call.
   */
  waitForEventProcessor(options?: WaitOptions): Promise<OperationResult<N>>;
}

/** The SDK's result of an operation, plus `operationContext` and `waitForEventProcessor`. */
export type Awaitable<N extends OperationName, R = unknown> = (R extends object ? R : unknown) &
  AwaitableOperation<N>;
