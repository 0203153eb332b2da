import {
  type AnswerCallOptions,
  type AnswerCallResult,
  CallAutomationClient,
  type CallInvite,
  type CallLocator,
  type ConnectCallOptions,
  type ConnectCallResult,
  type CreateCallOptions,
  type CreateCallResult,
  type RedirectCallOptions,
  type RejectCallOptions,
} from '@azure/communication-call-automation';
import { Inject, Injectable } from '@nestjs/common';
import { CALL_AUTOMATION_OPTIONS } from '../constants';
import { CallAutomationConfigurationError } from '../errors/call-automation-configuration.error';
import { CallAutomationShutdownError } from '../errors/call-automation-shutdown.error';
import { CallDisconnectedError } from '../errors/call-disconnected.error';
import { CallOperationFailedError } from '../errors/call-operation-failed.error';
import type { IncomingCall } from '../events/incoming-call.event';
import { type StreamingCallOptions, withTransportUrl } from '../media/transport-url-defaults';
import { CallTelemetry } from '../observability/call-telemetry';
import type { ResolvedCallAutomationOptions } from '../options/call-automation-options.interface';
import { EventProcessorService } from '../processor/event-processor.service';
import type { WaitOptions } from '../processor/waiter';
import { CallSession } from '../session/call-session';
import { CallSessionRegistry } from '../session/call-session-registry';
import { identifierOfWire } from '../session/wire-identifier';
import { AwaitableCallConnection } from './awaitable-call-connection';
import type { AwaitableCallMedia } from './awaitable-call-media';
import type { Awaitable, OperationResult } from './awaitable-operation';
import { CallbackDefaults } from './callback-defaults';
import { OperationRunner } from './operation-runner';
import type { CommunicationIdentifier } from './sdk-types';

/** `options.callbackUrl` overrides the module's `callbackUri` for this call. */
export type WithCallbackUrl<O> = O & { callbackUrl?: string };

/**
 * The SDK's `CallAutomationClient` with awaitable operations. The wrappers keep the SDK's
 * argument order but take the callback URL from the options (default: the module's
 * `callbackUri`), fill in a fresh operationContext, and add `waitForEventProcessor()`:
 *
 * ```ts
 * const call = await calls.createCall({ targetParticipant: { communicationUserId } });
 * const { isSuccess } = await call.waitForEventProcessor(); // CallConnected or CreateCallFailed
 * ```
 */
@Injectable()
export class CallAutomationService {
  private sdkClient: CallAutomationClient | undefined;
  private readonly runner: OperationRunner;
  private readonly sessions = new CallSessionRegistry();

  constructor(
    @Inject(CALL_AUTOMATION_OPTIONS) private readonly options: ResolvedCallAutomationOptions,
    private readonly processor: EventProcessorService,
    telemetry: CallTelemetry,
  ) {
    this.runner = new OperationRunner(
      processor,
      new CallbackDefaults(options.callbackUri),
      telemetry,
    );
  }

  /** The SDK client, built on first use from `connectionString` + `clientOptions` (or the given `client`). */
  get client(): CallAutomationClient {
    this.sdkClient ??= this.options.client ?? this.createClient();
    return this.sdkClient;
  }

  createCall(
    targetParticipant: CallInvite,
    options: WithCallbackUrl<CreateCallOptions> = {},
  ): Promise<Awaitable<'createCall', CreateCallResult>> {
    return this.startCall('createCall', options, (url, sdkOptions) =>
      this.client.createCall(targetParticipant, url, sdkOptions),
    );
  }

  createGroupCall(
    targetParticipants: CommunicationIdentifier[],
    options: WithCallbackUrl<CreateCallOptions> = {},
  ): Promise<Awaitable<'createGroupCall', CreateCallResult>> {
    return this.startCall('createGroupCall', options, (url, sdkOptions) =>
      this.client.createGroupCall(targetParticipants, url, sdkOptions),
    );
  }

  answerCall(
    incomingCallContext: string,
    options: WithCallbackUrl<AnswerCallOptions> = {},
  ): Promise<Awaitable<'answerCall', AnswerCallResult>> {
    return this.startCall('answerCall', options, (url, sdkOptions) =>
      this.client.answerCall(incomingCallContext, url, sdkOptions),
    );
  }

  connectCall(
    callLocator: CallLocator,
    options: WithCallbackUrl<ConnectCallOptions> = {},
  ): Promise<Awaitable<'connectCall', ConnectCallResult>> {
    return this.startCall('connectCall', options, (url, sdkOptions) =>
      this.client.connectCall(callLocator, url, sdkOptions),
    );
  }

  /** Sends the incoming call elsewhere; the service sends no callback for it. */
  redirectCall(
    incomingCallContext: string,
    target: CallInvite,
    options?: RedirectCallOptions,
  ): Promise<void> {
    return this.client.redirectCall(incomingCallContext, target, options);
  }

  /** Declines the incoming call; the service sends no callback for it. */
  rejectCall(incomingCallContext: string, options?: RejectCallOptions): Promise<void> {
    return this.client.rejectCall(incomingCallContext, options);
  }

  /**
   * Answers an incoming call and waits for CallConnected: the call as a session, whose
   * `prompt` listens to the caller. Rejects with CallOperationFailedError (AnswerFailed),
   * CallAutomationTimeoutError (`options.timeoutMs`) or the abort reason of `options.signal`.
   */
  async answer(
    incoming: IncomingCall,
    options: WithCallbackUrl<AnswerCallOptions> & WaitOptions = {},
  ): Promise<CallSession> {
    const { timeoutMs, signal, ...answerOptions } = options;
    const request = await this.answerCall(incoming.incomingCallContext, answerOptions);
    const callConnectionId = request.callConnectionProperties?.callConnectionId ?? '';
    return this.connectedSession('answer', callConnectionId, request, { timeoutMs, signal }, () =>
      identifierOfWire(incoming.from),
    );
  }

  /**
   * Calls `target` and waits until it answers (CallConnected): the call as a session, whose
   * `prompt` listens to the callee. Rejects with CallOperationFailedError (CreateCallFailed:
   * declined, busy, no answer...), CallAutomationTimeoutError when nobody answers within
   * `options.timeoutMs`, or the abort reason of `options.signal`; a call given up on that way
   * is hung up.
   */
  async dial(
    target: CallInvite | CallInvite['targetParticipant'],
    options: WithCallbackUrl<CreateCallOptions> & WaitOptions = {},
  ): Promise<CallSession> {
    const { timeoutMs, signal, ...createOptions } = options;
    const invite: CallInvite =
      'targetParticipant' in target ? target : { targetParticipant: target };
    const request = await this.createCall(invite, createOptions);
    const callConnectionId = request.callConnectionProperties?.callConnectionId ?? '';
    return this.connectedSession(
      'dial',
      callConnectionId,
      request,
      { timeoutMs, signal },
      () => invite.targetParticipant,
    );
  }

  /**
   * The session of a call (one set up elsewhere, or the one `answer` / `dial` gave): the same
   * object for as long as the call lasts. `participant`: whose input `prompt` collects by
   * default (else each prompt names it); the options count when the session is made.
   */
  session(
    callConnectionId: string,
    options: { participant?: CommunicationIdentifier; serverCallId?: string } = {},
  ): CallSession {
    if (typeof callConnectionId !== 'string' || callConnectionId === '') {
      throw new TypeError('session: callConnectionId must be a non-empty string.');
    }
    return this.sessions.getOrCreate(
      callConnectionId,
      () =>
        new CallSession({
          callConnectionId,
          processor: this.processor,
          connection: this.getCallConnection(callConnectionId),
          client: () => this.client,
          ...options,
        }),
    );
  }

  getCallConnection(callConnectionId: string): AwaitableCallConnection {
    return new AwaitableCallConnection(
      this.client.getCallConnection(callConnectionId),
      callConnectionId,
      this.runner,
    );
  }

  getCallMedia(callConnectionId: string): AwaitableCallMedia {
    return this.getCallConnection(callConnectionId).getCallMedia();
  }

  /**
   * The four ways to get a call (create, create group, answer, connect): the callback URL moves
   * from the options to the SDK's argument, and the service names the call in its answer.
   */
  private startCall<
    N extends 'createCall' | 'createGroupCall' | 'answerCall' | 'connectCall',
    O extends { operationContext?: string } & StreamingCallOptions,
  >(
    name: N,
    options: WithCallbackUrl<O>,
    send: (callbackUrl: string, options: O) => Promise<CreateCallResult>,
  ): Promise<Awaitable<N, CreateCallResult>> {
    const { callbackUrl, ...rest } = options;
    // `rest` is O itself: WithCallbackUrl only added callbackUrl, taken out above.
    const sdkOptions = withTransportUrl(rest as O, this.options.mediaStreaming?.publicUrl);
    return this.runner.run({
      name,
      ...contextOf(rest),
      send: (operationContext) =>
        send(this.runner.defaults.callUrl(name, callbackUrl), { ...sdkOptions, operationContext }),
      callOf: callIdOf,
    });
  }

  private async connectedSession(
    operation: 'answer' | 'dial',
    callConnectionId: string,
    request: Awaitable<'answerCall' | 'createCall', CreateCallResult>,
    wait: WaitOptions,
    participant: () => CommunicationIdentifier,
  ): Promise<CallSession> {
    let outcome: OperationResult<'answerCall' | 'createCall'>;
    try {
      outcome = await request.waitForEventProcessor({
        ...(wait.timeoutMs !== undefined ? { timeoutMs: wait.timeoutMs } : {}),
        ...(wait.signal !== undefined ? { signal: wait.signal } : {}),
      });
    } catch (error) {
      // Given up on (timeout, abort): hang the call up, so that it cannot connect later with
      // nobody to run it. On shutdown it is left as it is.
      if (!(error instanceof CallAutomationShutdownError) && callConnectionId !== '') {
        await this.client
          .getCallConnection(callConnectionId)
          .hangUp(true)
          .catch(() => undefined);
      }
      throw error;
    }
    const connected = outcome.successResult;
    if (!outcome.isSuccess || connected === undefined) {
      const failure = outcome.failureResult;
      if (failure?.kind === 'CallDisconnected') {
        throw new CallDisconnectedError(
          failure.callConnectionId,
          failure,
          `${operation} (CallConnected)`,
        );
      }
      throw new CallOperationFailedError(
        operation,
        failure?.callConnectionId ?? callConnectionId,
        // Without an event the failure is the request's own error, thrown above.
        failure as NonNullable<typeof failure>,
      );
    }
    return this.session(connected.callConnectionId, {
      participant: participant(),
      serverCallId: connected.serverCallId,
    });
  }

  private createClient(): CallAutomationClient {
    const { connectionString, clientOptions } = this.options;
    if (connectionString === undefined) {
      throw new CallAutomationConfigurationError(
        "CallAutomationService has no ACS connection: set connectionString (from the ACS resource's Keys page) or client in CallAutomationModule.forRoot().",
      );
    }
    return new CallAutomationClient(connectionString, clientOptions);
  }
}

function contextOf(options: { operationContext?: string }): { operationContext?: string } {
  return options.operationContext !== undefined
    ? { operationContext: options.operationContext }
    : {};
}

function callIdOf(result: CreateCallResult): string | undefined {
  return result.callConnectionProperties?.callConnectionId;
}
