import { parseCallAutomationEvent } from '@azure/communication-call-automation';
import type { CollectedEvent } from 'nestjs-call-automation/testing';
import { describe, expect, it } from 'vitest';
import { AGENT, CALLER, connectedCall as connectedCallWith, useEmulatorClient } from './support';

const APP_ID = '8:acs:resource_app';

function sequenceOf(collected: CollectedEvent | undefined): number | undefined {
  return (collected?.event.data as { sequenceNumber?: number } | undefined)?.sequenceNumber;
}

/** ParticipantsUpdated and the participant list as real ACS sends them (docs/emulator.md). */
describe('AcsEmulator: ParticipantsUpdated and the participant list, as recorded', () => {
  describe('with the default options', () => {
    const env = useEmulatorClient({ eventDelayMs: 2, applicationId: APP_ID });

    const connectedCall = () => connectedCallWith(env);

    it('lists the app itself, in events and over REST, also after the other party left', async () => {
      const { id, connection } = await connectedCall();
      const [first] = env.app.events.filter(
        ({ event }) =>
          event.type === 'Microsoft.Communication.ParticipantsUpdated' &&
          event.data.callConnectionId === id,
      );
      expect(first?.event.data).toMatchObject({
        participants: [
          { identifier: { kind: 'phoneNumber', rawId: `4:${CALLER.phoneNumber}` } },
          { identifier: { kind: 'communicationUser', rawId: APP_ID } },
        ],
        resultInformation: { code: 200, subCode: 0, message: '' },
      });
      const app = await connection.getParticipant({ communicationUserId: APP_ID });
      expect(app.identifier).toEqual({ communicationUserId: APP_ID });

      await env.emulator.call(id).leave(CALLER.phoneNumber);
      const { values = [] } = await connection.listParticipants();
      expect(values.map((participant) => participant.identifier)).toEqual([
        { communicationUserId: APP_ID },
      ]);
    });

    it('ParticipantsUpdated comes before AddParticipantSucceeded', async () => {
      const { id, connection } = await connectedCall();
      await connection.addParticipant({ targetParticipant: AGENT });
      await env.app.waitForEvent({ kind: 'AddParticipantSucceeded', callConnectionId: id });
      await env.app.waitForEvents(2, { kind: 'ParticipantsUpdated', callConnectionId: id });
      const kinds = env.app.events
        .filter(({ event }) => event.data.callConnectionId === id)
        .map(({ event }) => event.type.replace('Microsoft.Communication.', ''));
      expect(kinds).toEqual([
        'CallConnected',
        'ParticipantsUpdated',
        'ParticipantsUpdated',
        'AddParticipantSucceeded',
      ]);
    });

    it('numbers ParticipantsUpdated across the legs of a call', async () => {
      const { id, connection } = await connectedCall();
      const { serverCallId = '' } = await connection.getCallConnectionProperties();
      const joined = await env.client.connectCall(
        { kind: 'serverCallLocator', id: serverCallId },
        env.app.url(),
      );
      const joinedId = joined.callConnectionProperties.callConnectionId ?? '';
      const joinedUpdate = await env.app.waitForEvent({
        kind: 'ParticipantsUpdated',
        callConnectionId: joinedId,
      });
      // The first leg had 1; the leg that joined later starts after it.
      expect(sequenceOf(joinedUpdate)).toBe(2);
      await env.emulator.call(id).leave(CALLER.phoneNumber);
      const updates = await env.app.waitForEvents(2, {
        kind: 'ParticipantsUpdated',
        callConnectionId: id,
      });
      expect(sequenceOf(updates[1])).toBe(3);
    });
  });

  describe('with participantsUpdatedRepeats', () => {
    const env = useEmulatorClient({ eventDelayMs: 2, participantsUpdatedRepeats: 2 });

    it('repeats each ParticipantsUpdated with the same list, new ids and new sequence numbers', async () => {
      const result = await env.client.createCall({ targetParticipant: CALLER }, env.app.url());
      const id = result.callConnectionProperties.callConnectionId ?? '';
      const updates = await env.app.waitForEvents(3, {
        kind: 'ParticipantsUpdated',
        callConnectionId: id,
      });
      expect(updates.map(sequenceOf)).toEqual([1, 2, 3]);
      expect(new Set(updates.map(({ event }) => event.id)).size).toBe(3);
      const lists = updates.map(
        ({ event }) =>
          parseCallAutomationEvent(structuredClone(event)) as { participants: unknown },
      );
      expect(lists[1]?.participants).toEqual(lists[0]?.participants);
      expect(lists[2]?.participants).toEqual(lists[0]?.participants);
    });
  });
});
