import { describe, expect, it } from 'vitest';
import {
  AGENT,
  CALLER,
  connectedCall,
  endCall,
  type RestErrorShape,
  SUPERVISOR,
  useClientHarness,
} from './support';

/** A party of its own per test, so party scripts do not leak between tests. */
function user(name: string): { communicationUserId: string } {
  return { communicationUserId: `8:acs:resource_${name}` };
}

describe('participant operations against the emulator: success and failure', () => {
  const harness = useClientHarness();

  it('addParticipant: AddParticipantSucceeded; a callee who declines: AddParticipantFailed', async () => {
    const { id, connection } = await connectedCall(harness);
    const added = await connection.addParticipant({ targetParticipant: AGENT });
    expect(added.invitationId).toEqual(expect.any(String));
    const outcome = await added.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(outcome).toEqual({
      isSuccess: true,
      successResult: expect.objectContaining({
        kind: 'AddParticipantSucceeded',
        callConnectionId: id,
        operationContext: added.operationContext,
        participant: expect.objectContaining({ communicationUserId: AGENT.communicationUserId }),
      }),
    });

    const decliner = user('decliner');
    harness.emulator.script.party(decliner.communicationUserId, { answer: 'decline' });
    const declined = await connection.addParticipant({ targetParticipant: decliner });
    const failed = await declined.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(failed.isSuccess).toBe(false);
    expect(failed.failureResult).toMatchObject({
      kind: 'AddParticipantFailed',
      operationContext: declined.operationContext,
      resultInformation: { code: 603, subCode: 8538 },
    });
    await endCall(harness, id);
  });

  it('removeParticipant: RemoveParticipantSucceeded; someone not in the call: RemoveParticipantFailed', async () => {
    const { id, connection } = await connectedCall(harness);
    await (await connection.addParticipant({ targetParticipant: AGENT })).waitForEventProcessor();
    const removed = await connection.removeParticipant(AGENT);
    const outcome = await removed.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(outcome.successResult).toMatchObject({
      kind: 'RemoveParticipantSucceeded',
      operationContext: removed.operationContext,
    });
    expect(harness.emulator.call(id).participants.map((party) => party.rawId)).toEqual([
      `4:${CALLER.phoneNumber}`,
    ]);

    const absent = await connection.removeParticipant(SUPERVISOR);
    const failed = await absent.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(failed.isSuccess).toBe(false);
    expect(failed.failureResult).toMatchObject({
      kind: 'RemoveParticipantFailed',
      resultInformation: { code: 404, subCode: 8522 },
    });
    await endCall(harness, id);
  });

  it('transferCallToParticipant: CallTransferAccepted (then the leg ends); a declining target: CallTransferFailed', async () => {
    const first = await connectedCall(harness);
    const transfer = await first.connection.transferCallToParticipant(AGENT);
    const accepted = await transfer.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(accepted.successResult).toMatchObject({
      kind: 'CallTransferAccepted',
      callConnectionId: first.id,
      operationContext: transfer.operationContext,
    });
    await harness.emulator.call(first.id).waitForState('disconnected');

    const second = await connectedCall(harness);
    const decliner = user('transfer_decliner');
    harness.emulator.script.party(decliner.communicationUserId, { answer: 'decline' });
    const failing = await second.connection.transferCallToParticipant(decliner);
    const failed = await failing.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(failed.isSuccess).toBe(false);
    expect(failed.failureResult).toMatchObject({
      kind: 'CallTransferFailed',
      operationContext: failing.operationContext,
      resultInformation: { code: 603 },
    });
    expect(harness.emulator.call(second.id).state).toBe('connected');
    await endCall(harness, second.id);
  });

  it('cancelAddParticipantOperation: CancelAddParticipantSucceeded and the add fails; too late: CancelAddParticipantFailed', async () => {
    const { id, connection } = await connectedCall(harness);
    const slow = user('slow_to_answer');
    harness.emulator.script.party(slow.communicationUserId, { answerAfterMs: 60_000 });
    const added = await connection.addParticipant({ targetParticipant: slow });
    const invitationId = added.invitationId ?? '';
    const canceled = await connection.cancelAddParticipantOperation(invitationId);
    const cancelOutcome = await canceled.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(cancelOutcome).toEqual({
      isSuccess: true,
      successResult: expect.objectContaining({
        kind: 'CancelAddParticipantSucceeded',
        operationContext: canceled.operationContext,
        invitationId,
      }),
    });
    const addOutcome = await added.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(addOutcome.isSuccess).toBe(false);
    expect(addOutcome.failureResult).toMatchObject({
      kind: 'AddParticipantFailed',
      operationContext: added.operationContext,
      resultInformation: { code: 487 },
    });

    const again = await connection.cancelAddParticipantOperation(invitationId);
    const failed = await again.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(failed.isSuccess).toBe(false);
    expect(failed.failureResult).toMatchObject({
      kind: 'CancelAddParticipantFailed',
      operationContext: again.operationContext,
      invitationId,
    });
    await endCall(harness, id);
  });

  it('muteParticipant: { isSuccess: true } once accepted; an unknown participant rejects with the RestError', async () => {
    const { id, connection } = await connectedCall(harness);
    const muted = await connection.muteParticipant(CALLER);
    expect(await muted.waitForEventProcessor()).toEqual({ isSuccess: true });
    expect(harness.emulator.call(id).participants[0]?.isMuted).toBe(true);

    const before = harness.pendingOperations();
    const error = (await connection
      .muteParticipant(SUPERVISOR)
      .catch((caught: unknown) => caught)) as RestErrorShape;
    expect(error).toMatchObject({ name: 'RestError', statusCode: 404 });
    expect(harness.pendingOperations()).toBe(before);
    await endCall(harness, id);
  });

  it('moveParticipants: MoveParticipantSucceeded; someone not in the source call: MoveParticipantFailed', async () => {
    const source = await connectedCall(harness);
    const target = await connectedCall(harness, { phoneNumber: '+15550100200' });
    const moved = await target.connection.moveParticipants([CALLER], source.id);
    expect(moved.fromCall).toBe(source.id);
    const outcome = await moved.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(outcome.successResult).toMatchObject({
      kind: 'MoveParticipantSucceeded',
      callConnectionId: target.id,
      operationContext: moved.operationContext,
      fromCall: source.id,
    });

    const failing = await target.connection.moveParticipants([SUPERVISOR], source.id);
    const failed = await failing.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(failed.isSuccess).toBe(false);
    expect(failed.failureResult).toMatchObject({
      kind: 'MoveParticipantFailed',
      operationContext: failing.operationContext,
      resultInformation: { code: 404 },
    });
    await endCall(harness, source.id);
    await endCall(harness, target.id);
  });
});
