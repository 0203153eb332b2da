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
import type { ResolvedCallAutomationOptions } from '../options/call-automation-options.interface';
import { EventProcessorService } from '../processor/event-processor.service';
import { AwaitableCallConnection } from './awaitable-call-connection';
import type { AwaitableCallMedia } from './awaitable-call-media';
import { type Awaitable, OperationRunner } from './awaitable-operation';
import { CallbackDefaults } from './callback-defaults';
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
  ) {
    this.runner = new OperationRunner(processor, new CallbackDefaults(options.callbackUri));
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
    const { callbackUrl, ...rest } = options;
    return this.runner.run({
      name: 'createCall',
      ...contextOf(rest),
      send: (operationContext) =>
        this.client.createCall(
          targetParticipant,
          this.runner.defaults.callUrl('createCall', callbackUrl),
          {
            ...rest,
            operationContext,
          },
        ),
      callOf: callIdOf,
    });
  }

  createGroupCall(
    targetParticipants: CommunicationIdentifier[],
    options: WithCallbackUrl<CreateCallOptions> = {},
  ): Promise<Awaitable<'createGroupCall', CreateCallResult>> {
    const { callbackUrl, ...rest } = options;
    return this.runner.run({
      name: 'createGroupCall',
      ...contextOf(rest),
      send: (operationContext) =>
        this.client.createGroupCall(
          targetParticipants,
          this.runner.defaults.callUrl('createGroupCall', callbackUrl),
          {
            ...rest,
            operationContext,
          },
        ),
      callOf: callIdOf,
    });
  }

  answerCall(
    incomingCallContext: string,
    options: WithCallbackUrl<AnswerCallOptions> = {},
  ): Promise<Awaitable<'answerCall', AnswerCallResult>> {
    const { callbackUrl, ...rest } = options;
    return this.runner.run({
      name: 'answerCall',
      ...contextOf(rest),
      send: (operationContext) =>
        this.client.answerCall(
          incomingCallContext,
          this.runner.defaults.callUrl('answerCall', callbackUrl),
          {
            ...rest,
            operationContext,
          },
        ),
      callOf: callIdOf,
    });
  }

  connectCall(
    callLocator: CallLocator,
    options: WithCallbackUrl<ConnectCallOptions> = {},
  ): Promise<Awaitable<'connectCall', ConnectCallResult>> {
    const { callbackUrl, ...rest } = options;
    return this.runner.run({
      name: 'connectCall',
      ...contextOf(rest),
      send: (operationContext) =>
        this.client.connectCall(
          callLocator,
          this.runner.defaults.callUrl('connectCall', callbackUrl),
          {
            ...rest,
            operationContext,
          },
        ),
      callOf: callIdOf,
    });
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
