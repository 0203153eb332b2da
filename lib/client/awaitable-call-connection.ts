import type {
  AddParticipantOptions,
  AddParticipantResult,
  CallConnection,
  CallConnectionProperties,
  CallInvite,
  CallParticipant,
  CancelAddParticipantOperationOptions,
  CancelAddParticipantOperationResult,
  GetCallConnectionPropertiesOptions,
  GetParticipantOptions,
  HangUpOptions,
  ListParticipantsResult,
  MoveParticipantsOptions,
  MoveParticipantsResult,
  MuteParticipantOption,
  MuteParticipantResult,
  RemoveParticipantResult,
  RemoveParticipantsOption,
  TransferCallResult,
  TransferCallToParticipantOptions,
} from '@azure/communication-call-automation';
import { AwaitableCallMedia } from './awaitable-call-media';
import type { Awaitable } from './awaitable-operation';
import type { OperationRunner } from './operation-runner';
import type { CommunicationIdentifier } from './sdk-types';

/**
 * The SDK's `CallConnection` of one call, with every operation awaitable:
 * `await (await connection.addParticipant(invite)).waitForEventProcessor()`.
 */
export class AwaitableCallConnection {
  constructor(
    /** The SDK object, for what this class does not wrap. */
    readonly sdk: CallConnection,
    readonly callConnectionId: string,
    private readonly runner: OperationRunner,
  ) {}

  getCallMedia(): AwaitableCallMedia {
    return new AwaitableCallMedia(this.sdk.getCallMedia(), this.callConnectionId, this.runner);
  }

  getCallConnectionProperties(
    options?: GetCallConnectionPropertiesOptions,
  ): Promise<CallConnectionProperties> {
    return this.sdk.getCallConnectionProperties(options);
  }

  listParticipants(options?: GetParticipantOptions): Promise<ListParticipantsResult> {
    return this.sdk.listParticipants(options);
  }

  getParticipant(
    participant: CommunicationIdentifier,
    options?: GetParticipantOptions,
  ): Promise<CallParticipant> {
    return this.sdk.getParticipant(participant, options);
  }

  /** Its `waitForEventProcessor` resolves with the call's CallDisconnected. */
  hangUp(isForEveryone: boolean, options?: HangUpOptions): Promise<Awaitable<'hangUp'>> {
    return this.runner.run({
      name: 'hangUp',
      callConnectionId: this.callConnectionId,
      send: () => this.sdk.hangUp(isForEveryone, options),
    });
  }

  addParticipant(
    targetParticipant: CallInvite,
    options: AddParticipantOptions = {},
  ): Promise<Awaitable<'addParticipant', AddParticipantResult>> {
    return this.runner.runOnCall('addParticipant', this.callConnectionId, options, (opts) =>
      this.sdk.addParticipant(targetParticipant, opts),
    );
  }

  removeParticipant(
    participant: CommunicationIdentifier,
    options: RemoveParticipantsOption = {},
  ): Promise<Awaitable<'removeParticipant', RemoveParticipantResult>> {
    return this.runner.runOnCall('removeParticipant', this.callConnectionId, options, (opts) =>
      this.sdk.removeParticipant(participant, opts),
    );
  }

  transferCallToParticipant(
    targetParticipant: CommunicationIdentifier,
    options: TransferCallToParticipantOptions = {},
  ): Promise<Awaitable<'transferCallToParticipant', TransferCallResult>> {
    return this.runner.runOnCall(
      'transferCallToParticipant',
      this.callConnectionId,
      options,
      (opts) => this.sdk.transferCallToParticipant(targetParticipant, opts),
    );
  }

  cancelAddParticipantOperation(
    invitationId: string,
    options: CancelAddParticipantOperationOptions = {},
  ): Promise<Awaitable<'cancelAddParticipantOperation', CancelAddParticipantOperationResult>> {
    return this.runner.runOnCall(
      'cancelAddParticipantOperation',
      this.callConnectionId,
      options,
      (opts) => this.sdk.cancelAddParticipantOperation(invitationId, opts),
    );
  }

  moveParticipants(
    targetParticipants: CommunicationIdentifier[],
    fromCall: string,
    options: MoveParticipantsOptions = {},
  ): Promise<Awaitable<'moveParticipants', MoveParticipantsResult>> {
    return this.runner.runOnCall('moveParticipants', this.callConnectionId, options, (opts) =>
      this.sdk.moveParticipants(targetParticipants, fromCall, opts),
    );
  }

  /** Resolves `{ isSuccess: true }` once accepted: the service sends no event for a mute. */
  muteParticipant(
    participant: CommunicationIdentifier,
    options: MuteParticipantOption = {},
  ): Promise<Awaitable<'muteParticipant', MuteParticipantResult>> {
    return this.runner.run({
      name: 'muteParticipant',
      callConnectionId: this.callConnectionId,
      ...(options.operationContext !== undefined
        ? { operationContext: options.operationContext }
        : {}),
      send: (operationContext) =>
        this.sdk.muteParticipant(participant, { ...options, operationContext }),
    });
  }
}
