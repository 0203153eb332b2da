import { randomUUID } from 'node:crypto';
import type { CallTelemetry } from '../observability/call-telemetry';
import type { EventProcessorService } from '../processor/event-processor.service';
import type { Awaitable, AwaitableOperation, OperationResult } from './awaitable-operation';
import type { CallbackDefaults, MidCallOperationOptions } from './callback-defaults';
import { OPERATION_EVENTS, type OperationName } from './operation-events';

export interface OperationRequest<R> {
  name: OperationName;
  /** The call, when known before the request (every operation but create/answer/connect). */
  callConnectionId?: string;
  operationContext?: string;
  /** Sends the request with the operationContext to use. */
  send(operationContext: string): Promise<R>;
  /** The call the service's answer names (create/answer/connect). */
  callOf?(result: R): string | undefined;
}

/**
 * Runs one operation: registers its waiter before the request is sent (so an outcome event
 * that beats the HTTP response is not missed), sends it, and hands back the SDK's result made
 * awaitable. A request that fails rejects at once and leaves no waiter behind.
 */
export class OperationRunner {
  constructor(
    private readonly processor: EventProcessorService,
    readonly defaults: CallbackDefaults,
    private readonly telemetry: CallTelemetry,
  ) {}

  /**
   * Runs an operation on a call whose options take `operationContext` and
   * `operationCallbackUrl`: both are filled in unless given.
   */
  runOnCall<N extends OperationName, O extends MidCallOperationOptions, R>(
    name: N,
    callConnectionId: string,
    options: O,
    send: (options: O) => Promise<R>,
  ): Promise<Awaitable<N, R>> {
    return this.run<N, R>({
      name,
      callConnectionId,
      ...(options.operationContext !== undefined
        ? { operationContext: options.operationContext }
        : {}),
      send: (operationContext) => send(this.defaults.operationOptions(options, operationContext)),
    });
  }

  async run<N extends OperationName, R>(request: OperationRequest<R>): Promise<Awaitable<N, R>> {
    // An empty context counts as none: the SDK replaces '' with a UUID of its own for several
    // operations (playToAll, removeParticipant, transfer...), so '' would never be matched.
    const operationContext = request.operationContext || randomUUID();
    const events = OPERATION_EVENTS[request.name];
    const operation = this.processor.registerOperation({
      operationContext,
      ...(request.callConnectionId !== undefined
        ? { callConnectionId: request.callConnectionId }
        : {}),
      successKinds: events.success,
      failureKinds: events.failure,
      name: request.callConnectionId
        ? `${request.name} on call ${request.callConnectionId}`
        : request.name,
    });
    const trace = this.telemetry.startOperation(
      request.name,
      request.callConnectionId,
      operationContext,
    );
    if (trace !== undefined) operation.observer = trace;
    let result: R;
    try {
      result = await (trace === undefined
        ? request.send(operationContext)
        : trace.run(() => request.send(operationContext)));
    } catch (error) {
      operation.fail(error);
      throw error;
    }
    const call = request.callOf?.(result);
    if (call !== undefined) {
      this.processor.bindOperationToCall(operation, call);
      trace?.boundTo(call);
    }
    // The service sends no success event for these: the accepted request is the success.
    if (events.success.length === 0) operation.settle({ isSuccess: true });
    const awaitable: AwaitableOperation<N> = {
      operationContext,
      waitForEventProcessor: (options) => operation.wait(options) as Promise<OperationResult<N>>,
    };
    return Object.assign(
      typeof result === 'object' && result !== null ? result : {},
      awaitable,
    ) as Awaitable<N, R>;
  }
}
