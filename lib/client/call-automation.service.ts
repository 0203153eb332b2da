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
import { CallTelemetry } from '../observability/call-telemetry';
import type { ResolvedCallAutomationOptions } from '../options/call-automation-options.interface';
import { EventProcessorService } from '../processor/event-processor.service';
import { AwaitableCallConnection } from './awaitable-call-connection';
import type { AwaitableCallMedia } from './awaitable-call-media';
import type { Awaitable } from './awaitable-operation';
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

  constructor(
    @Inject(CALL_AUTOMATION_OPTIONS) private readonly options: ResolvedCallAutomationOptions,
    processor: EventProcessorService,
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
    O extends { operationContext?: string },
  >(
    name: N,
    options: WithCallbackUrl<O>,
    send: (callbackUrl: string, options: O) => Promise<CreateCallResult>,
  ): Promise<Awaitable<N, CreateCallResult>> {
    const { callbackUrl, ...rest } = options;
    return this.runner.run({
      name,
      ...contextOf(rest),
      // `rest` is O itself: WithCallbackUrl only added callbackUrl, taken out above.
      send: (operationContext) =>
        send(this.runner.defaults.callUrl(name, callbackUrl), { ...(rest as O), operationContext }),
      callOf: callIdOf,
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
