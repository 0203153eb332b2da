import { parseCallAutomationEvent } from '@azure/communication-call-automation';
import { describe, expect, it } from 'vitest';
import {
  AGENT,
  CALLER,
  connectedCall as connectedCallWith,
  type RestError,
  useEmulatorClient,
} from './support';

const SUPERVISOR = { communicationUserId: '8:acs:resource_supervisor' };

describe('AcsEmulator: participants and transfer', () => {
  const env = useEmulatorClient({ eventDelayMs: 5 });

  /** A connected 1:1 call with CALLER. */
  const connectedCall = () => connectedCallWith(env);

  it('addParticipant: 202 with the invitation, then AddParticipantSucceeded and ParticipantsUpdated', async () => {
    const { id, connection } = await connectedCall();
    const added = await connection.addParticipant(
      { targetParticipant: AGENT },
      { operationContext: 'add-agent', invitationTimeoutInSeconds: 30 },
    );
    expect(added.operationContext).toBe('add-agent');
    expect(added.invitationId).toMatch(/[0-9a-f-]{36}/);
    expect(added.participant?.identifier).toEqual(AGENT);

    const succeeded = await env.app.waitForEvent({
      kind: 'AddParticipantSucceeded',
      callConnectionId: id,
    });
    expect(parseCallAutomationEvent(structuredClone(succeeded.event))).toMatchObject({
      kind: 'AddParticipantSucceeded',
      operationContext: 'add-agent',
      participant: AGENT,
      resultInformation: { code: 200, subCode: 0 },
    });
    const updates = await env.app.waitForEvents(2, {
      kind: 'ParticipantsUpdated',
      callConnectionId: id,
    });
    const latest = parseCallAutomationEvent(structuredClone(updates[1]?.event));
    expect(latest).toMatchObject({ sequenceNumber: 2 });
    const { values = [] } = await connection.listParticipants();
    expect(values.map((participant) => participant.identifier)).toEqual([
      { phoneNumber: CALLER.phoneNumber, rawId: `4:${CALLER.phoneNumber}` },
      AGENT,
      // The app itself, listed as real ACS lists it.
      { communicationUserId: expect.stringMatching(/^8:acs:/) },
    ]);
  });

  it('addParticipant to a busy party: AddParticipantFailed 486/8539 (to the operation callback)', async () => {
    const { id, connection } = await connectedCall();
    env.emulator.script.party(AGENT.communicationUserId, { answer: 'busy' });
    await connection.addParticipant(
      { targetParticipant: AGENT },
      { operationContext: 'add-busy', operationCallbackUrl: env.app.url('/operation') },
    );
    const failed = await env.app.waitForEvent({
      kind: 'AddParticipantFailed',
      callConnectionId: id,
    });
    expect(failed.request.url).toBe('/operation');
    expect(failed.event.data).toMatchObject({
      operationContext: 'add-busy',
      resultInformation: { code: 486, subCode: 8539 },
      participant: { rawId: AGENT.communicationUserId },
    });
    expect(env.emulator.call(id).participants).toHaveLength(1);
  });

  it('addParticipant timing out (scripted failure by name)', async () => {
    const { id, connection } = await connectedCall();
    env.emulator.call(id).nextOperation('addParticipant', { fail: 'noAnswer' });
    await connection.addParticipant(
      { targetParticipant: AGENT },
      { operationContext: 'add-timeout' },
    );
    const failed = await env.app.waitForEvent({
      kind: 'AddParticipantFailed',
      operationContext: 'add-timeout',
    });
    expect(failed.event.data).toMatchObject({ resultInformation: { code: 408, subCode: 8541 } });
  });

  it('cancelAddParticipantOperation while ringing: CancelAddParticipantSucceeded, the add ends as failed', async () => {
    const { id, connection } = await connectedCall();
    env.emulator.script.party(AGENT.communicationUserId, { answerAfterMs: 60_000 });
    const added = await connection.addParticipant(
      { targetParticipant: AGENT },
      { operationContext: 'add' },
    );
    const canceled = await connection.cancelAddParticipantOperation(added.invitationId ?? '', {
      operationContext: 'cancel',
    });
    expect(canceled).toEqual({ invitationId: added.invitationId, operationContext: 'cancel' });
    const succeeded = await env.app.waitForEvent({
      kind: 'CancelAddParticipantSucceeded',
      callConnectionId: id,
    });
    expect(parseCallAutomationEvent(structuredClone(succeeded.event))).toMatchObject({
      invitationId: added.invitationId,
      operationContext: 'cancel',
    });
    const addFailed = await env.app.waitForEvent({
      kind: 'AddParticipantFailed',
      operationContext: 'add',
    });
    expect(addFailed.event.data).toMatchObject({ resultInformation: { code: 487 } });
    expect(
      env.app.events.some(
        ({ event }) => event.type === 'Microsoft.Communication.AddParticipantSucceeded',
      ),
    ).toBe(false);

    // Too late: the invitation is gone.
    await connection.cancelAddParticipantOperation(added.invitationId ?? '', {
      operationContext: 'again',
    });
    const failed = await env.app.waitForEvent({
      kind: 'CancelAddParticipantFailed',
      operationContext: 'again',
    });
    expect(failed.event.data).toMatchObject({
      invitationId: added.invitationId,
      resultInformation: { code: 404 },
    });
  });

  it('removeParticipant: RemoveParticipantSucceeded; an absent participant: RemoveParticipantFailed', async () => {
    const { id, connection } = await connectedCall();
    await connection.addParticipant({ targetParticipant: AGENT });
    await env.app.waitForEvent({ kind: 'AddParticipantSucceeded', callConnectionId: id });
    const removed = await connection.removeParticipant(AGENT, { operationContext: 'remove-agent' });
    expect(removed.operationContext).toBe('remove-agent');
    const succeeded = await env.app.waitForEvent({
      kind: 'RemoveParticipantSucceeded',
      callConnectionId: id,
    });
    expect(parseCallAutomationEvent(structuredClone(succeeded.event))).toMatchObject({
      participant: AGENT,
    });
    await connection.removeParticipant(SUPERVISOR, { operationContext: 'remove-nobody' });
    const failed = await env.app.waitForEvent({
      kind: 'RemoveParticipantFailed',
      operationContext: 'remove-nobody',
    });
    expect(failed.event.data).toMatchObject({ resultInformation: { code: 404, subCode: 8522 } });
  });

  it('muteParticipant: 200 echoing the operationContext, isMuted in the roster; unknown participant: 404', async () => {
    const { id, connection } = await connectedCall();
    const muted = await connection.muteParticipant(CALLER, { operationContext: 'mute' });
    expect(muted.operationContext).toBe('mute');
    const participant = await connection.getParticipant(CALLER);
    expect(participant.isMuted).toBe(true);
    await env.app.waitForEvents(2, { kind: 'ParticipantsUpdated', callConnectionId: id });
    const error = (await connection
      .muteParticipant(SUPERVISOR)
      .catch((caught: unknown) => caught)) as RestError;
    expect(error.statusCode).toBe(404);
  });

  it('moveParticipants moves a participant from another call', async () => {
    const source = await connectedCall();
    const target = await connectedCall();
    const moved = await target.connection.moveParticipants([CALLER], source.id, {
      operationContext: 'move',
    });
    expect(moved.fromCall).toBe(source.id);
    expect(moved.operationContext).toBe('move');
    const succeeded = await env.app.waitForEvent({
      kind: 'MoveParticipantSucceeded',
      callConnectionId: target.id,
    });
    expect(parseCallAutomationEvent(structuredClone(succeeded.event))).toMatchObject({
      kind: 'MoveParticipantSucceeded',
      fromCall: source.id,
      operationContext: 'move',
    });
    await env.app.waitForEvents(2, { kind: 'ParticipantsUpdated', callConnectionId: source.id });
    expect(env.emulator.call(source.id).participants).toHaveLength(0);

    await target.connection.moveParticipants([AGENT], source.id, { operationContext: 'move-none' });
    await env.app.waitForEvent({ kind: 'MoveParticipantFailed', operationContext: 'move-none' });
  });

  it('transferCallToParticipant: CallTransferAccepted, then the app leg gets CallDisconnected', async () => {
    const { id, connection } = await connectedCall();
    const transfer = await connection.transferCallToParticipant(AGENT, {
      operationContext: 'transfer',
    });
    expect(transfer.operationContext).toBe('transfer');
    const accepted = await env.app.waitForEvent({
      kind: 'CallTransferAccepted',
      callConnectionId: id,
    });
    expect(accepted.event.data).toMatchObject({
      operationContext: 'transfer',
      transferTarget: { rawId: AGENT.communicationUserId, kind: 'communicationUser' },
      transferee: { rawId: `4:${CALLER.phoneNumber}` },
    });
    const disconnected = await env.app.waitForEvent({
      kind: 'CallDisconnected',
      callConnectionId: id,
    });
    const order = env.app.events.map(({ event }) => event.id);
    expect(order.indexOf(accepted.event.id)).toBeLessThan(order.indexOf(disconnected.event.id));
    expect(env.emulator.call(id).state).toBe('disconnected');
  });

  it('transfer to a target that declines: CallTransferFailed and the call goes on', async () => {
    const { id, connection } = await connectedCall();
    env.emulator.script.party(AGENT.communicationUserId, { answer: 'decline' });
    await connection.transferCallToParticipant(AGENT, { operationContext: 'transfer' });
    const failed = await env.app.waitForEvent({ kind: 'CallTransferFailed', callConnectionId: id });
    expect(failed.event.data).toMatchObject({ resultInformation: { code: 603, subCode: 8538 } });
    await env.emulator.call(id).waitForState('connected');
  });
});
