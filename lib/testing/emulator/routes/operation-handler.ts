import type { RestResultInformation } from '@azure/communication-call-automation';
import type { EmulatedCall } from '../call-state';
import type { EmulatorRuntime, OutgoingEvent, ScheduledEvents } from '../emulator-runtime';
import {
  type EmulatedOperation,
  FAILURE_EVENT_KIND,
  type FailingOperation,
} from '../operation-catalog';
import type { RequestBody } from '../request-body';
import { RestFailure, type RestResponse } from '../rest-response';
import type { OperationScript } from '../scenario-script';

/** One REST request, parsed. */
export interface ParsedRestRequest {
  /** Path parameters, decoded (call connection id, participant raw id, recording id). */
  params: readonly string[];
  body: RequestBody;
  /** What the test scripted for this run, if anything. */
  script: OperationScript | undefined;
  runtime: EmulatorRuntime;
}

/** The answer, and the events the request causes. */
export interface OperationOutcome extends RestResponse {
  /**
   * Sends the events this request causes; resolves once they are delivered. It runs after the
   * response is sent, or before with `eventBeforeResponse`. State changes happen in the handler
   * itself (or when a delayed outcome is due), never here.
   */
  events?: () => Promise<unknown>;
}

/**
 * Serves one operation: checks the request, changes the state, answers. Throws `RestFailure`
 * for a request the service refuses.
 */
export type OperationHandler = (request: ParsedRestRequest) => OperationOutcome;

export type OperationHandlers = Partial<Record<EmulatedOperation, OperationHandler>>;

/** Where the events of a mid-call operation go: `operationCallbackUri`, else the call's. */
export function callbackUrlOf(body: RequestBody, call: EmulatedCall): string {
  return body.string('operationCallbackUri') ?? call.callbackUri;
}

/** A callback URL must be an absolute http(s) URL. */
export function requiredCallbackUri(body: RequestBody): string {
  const value = body.requiredString('callbackUri');
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw RestFailure.invalid('the field CallbackUri is invalid.');
  }
  return value;
}

/**
 * The usual outcome of a mid-call operation: after the scripted delay, its success events, or
 * (when scripted) its failure event with the scripted resultInformation.
 */
export function reportOutcome(
  request: ParsedRestRequest,
  call: EmulatedCall,
  operation: FailingOperation,
  outcome: {
    url: string;
    operationContext?: string;
    /** Success events; built when due. */
    success: () => OutgoingEvent[];
    /** A failure that comes from the state rather than the script. */
    failure?: RestResultInformation;
    /** More fields of the failure event (participant, invitationId...). */
    failureData?: Record<string, unknown>;
    /** Wait before the outcome on top of the scripted delay (ringing...). */
    afterMs?: number;
    /** Runs when the outcome is due, before its events are built (state changes). */
    onDue?: (failed: boolean) => void;
  },
): () => ScheduledEvents {
  const { runtime, script } = request;
  const failure = runtime.failureOf(operation, script) ?? outcome.failure;
  const build = (): OutgoingEvent[] => {
    outcome.onDue?.(failure !== undefined);
    if (!failure) return outcome.success();
    return [
      runtime.eventOfKind(call, FAILURE_EVENT_KIND[operation], {
        operationContext: outcome.operationContext,
        resultInformation: failure,
        ...outcome.failureData,
      }),
    ];
  };
  return () =>
    runtime.schedule(call, build, {
      url: outcome.url,
      afterMs: (outcome.afterMs ?? 0) + (script?.delayMs ?? 0),
      duplicate: script?.duplicate,
    });
}
