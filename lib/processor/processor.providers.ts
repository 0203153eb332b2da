import { Logger, type Provider } from '@nestjs/common';
import { CALL_AUTOMATION_OPTIONS } from '../constants';
import type { ResolvedCallAutomationOptions } from '../options/call-automation-options.interface';
import { describeEvent } from './call-event-dispatcher';
import { CallEventMatcher } from './call-event-matcher';
import { IsolatedHandlerRunner } from './isolated-handler-runner';

/**
 * The one runner of user handlers of a module: ongoing handlers (run by the matcher) and
 * `@OnCallEvent` handlers (run by the dispatcher) share it, so `whenIdle` and shutdown wait for both.
 */
export const handlerRunnerProvider: Provider = {
  provide: IsolatedHandlerRunner,
  useFactory: () => new IsolatedHandlerRunner(new Logger('CallAutomation')),
};

/** The matching engine of this replica, built from the module's options. */
export const callEventMatcherProvider: Provider = {
  provide: CallEventMatcher,
  inject: [CALL_AUTOMATION_OPTIONS, IsolatedHandlerRunner],
  useFactory: createCallEventMatcher,
};

function createCallEventMatcher(
  options: ResolvedCallAutomationOptions,
  runner: IsolatedHandlerRunner,
): CallEventMatcher {
  const logger = new Logger('CallAutomation');
  return new CallEventMatcher({
    defaultTimeoutMs: options.defaultTimeoutMs,
    backlogTtlMs: options.backlogTtlMs,
    maxBacklogEvents: options.maxBacklogEvents,
    maxBacklogBytes: options.maxBacklogBytes,
    disconnectedCallTtlMs: options.disconnectedCallTtlMs,
    maxDisconnectedCalls: options.maxDisconnectedCalls,
    invokeOngoing: (handler, event, metadata) =>
      runner.run('Ongoing event processor', describeEvent(event, metadata), () =>
        handler(event, metadata),
      ),
    onOperationContextReuse: (spec) =>
      logger.warn(
        `operationContext '${spec.operationContext}' is already in use by a pending operation${
          spec.callConnectionId ? ` of call ${spec.callConnectionId}` : ''
        }; ${spec.name} may settle with the other operation's event. Use a unique operationContext per operation.`,
      ),
    onAttachToEndedCall: (callConnectionId, kinds) =>
      logger.debug(
        `attachOngoingEventProcessor(${callConnectionId}, ${kinds.join('|')}): that call has ended (its CallDisconnected was delivered), so the handler is not kept and will not run.`,
      ),
  });
}
