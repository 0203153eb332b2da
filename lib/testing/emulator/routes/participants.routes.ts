import { randomUUID } from 'node:crypto';
import { addParticipantCanceled, resultCodes } from '../../events/result-information';
import { rawIdOf } from '../../events/wire-identifiers';
import type { CloudEvent } from '../../library-types';
import type { PendingInvitation } from '../call-state';
import type { ScheduledEvents } from '../emulator-runtime';
import { RestFailure } from '../rest-response';
import { invitationFailure } from '../scripted-party';
import { callbackUrlOf, type OperationHandlers, reportOutcome } from './operation-handler';

/** Participants: add (with its invitation), remove, cancel an add, mute, move, list, get. */
export const participantHandlers: OperationHandlers = {
  addParticipant: (request) => {
    const { params, body, runtime } = request;
    const call = runtime.requireConnected(params[0] ?? '');
    const participant = body.requiredIdentifier('participantToAdd');
    const timeout = body.number('invitationTimeoutInSeconds');
    if (timeout !== undefined && (timeout < 0 || timeout > 180)) {
      throw RestFailure.invalid('invitationTimeoutInSeconds must be between 0 and 180.');
    }
    const operationContext = body.string('operationContext');
    const url = callbackUrlOf(body, call);
    const party = runtime.partyFor(call, rawIdOf(participant));
    const invitationId = randomUUID();
    let ringing: ScheduledEvents | undefined;
    const invitation: PendingInvitation = {
      invitationId,
      participant,
      operationContext,
      url,
      stopRinging: () => ringing?.cancel(),
    };
    call.invitations.set(invitationId, invitation);
    const report = reportOutcome(request, call, 'addParticipant', {
      url,
      operationContext,
      failure: invitationFailure(party?.answer ?? 'answer'),
      failureData: { participant },
      afterMs: runtime.ringTime(party),
      // Once the party reacted, the invitation can no longer be canceled.
      onDue: () => call.invitations.delete(invitationId),
      success: () => {
        call.addParticipant(participant, party);
        // Real ACS sends the new participant list first, then AddParticipantSucceeded.
        return [
          ...runtime.participantsUpdated(call),
          runtime.event(call, 'AddParticipantSucceeded', {
            operationContext,
            participant,
            resultInformation: resultCodes.successWithoutMessage,
          }),
        ];
      },
    });
    return {
      status: 202,
      body: {
        participant: { identifier: participant, isMuted: false, isOnHold: false },
        operationContext,
        invitationId,
      },
      events: () => {
        // The invitation is answered (or fails) when the ringing ends, unless canceled first.
        if (!call.invitations.has(invitationId)) return Promise.resolve(false);
        ringing = report();
        return ringing.delivered;
      },
    };
  },

  cancelAddParticipantOperation: (request) => {
    const { params, body, runtime } = request;
    const call = runtime.requireConnected(params[0] ?? '');
    const invitationId = body.requiredString('invitationId');
    const operationContext = body.string('operationContext');
    const invitation = call.invitations.get(invitationId);
    const scriptedFailure = runtime.failureOf('cancelAddParticipantOperation', request.script);
    if (invitation && !scriptedFailure) {
      invitation.stopRinging();
      call.invitations.delete(invitationId);
    }
    const report = reportOutcome(request, call, 'cancelAddParticipantOperation', {
      url: callbackUrlOf(body, call),
      operationContext,
      // An invitation answered (or failed) already, or never issued, cannot be canceled.
      failure: invitation ? undefined : resultCodes.notFound,
      failureData: { invitationId },
      success: () => [
        runtime.event(call, 'CancelAddParticipantSucceeded', {
          operationContext,
          invitationId,
          // Recorded: 487/5234 "…The Call Has Been Cancelled…", not a 200.
          resultInformation: addParticipantCanceled(rawIdOf(invitation?.participant) ?? ''),
        }),
        // The canceled invitation also ends as a failed add (SIP 487), so whoever awaits the
        // add gets its outcome. Not verified against recorded traffic (docs/emulator.md).
        {
          event: runtime.event(call, 'AddParticipantFailed', {
            operationContext: invitation?.operationContext,
            participant: invitation?.participant,
            resultInformation: resultCodes.invitationCanceled,
          }),
          url: invitation?.url,
          duplicate: false,
        },
      ],
    });
    return {
      status: 202,
      body: { invitationId, operationContext },
      events: () => report().delivered,
    };
  },

  removeParticipant: (request) => {
    const { params, body, runtime } = request;
    const call = runtime.requireConnected(params[0] ?? '');
    const participant = body.requiredIdentifier('participantToRemove');
    const operationContext = body.string('operationContext');
    const rawId = rawIdOf(participant);
    const report = reportOutcome(request, call, 'removeParticipant', {
      url: callbackUrlOf(body, call),
      operationContext,
      failure: call.participant(rawId) ? undefined : resultCodes.notFound,
      failureData: { participant },
      success: () => {
        call.removeParticipant(rawId);
        return [
          runtime.event(call, 'RemoveParticipantSucceeded', {
            operationContext,
            participant,
            resultInformation: resultCodes.successWithoutMessage,
          }),
          ...runtime.participantsUpdated(call),
        ];
      },
    });
    return { status: 202, body: { operationContext }, events: () => report().delivered };
  },

  muteParticipant: ({ params, body, runtime }) => {
    const call = runtime.requireConnected(params[0] ?? '');
    const targets = body.requiredIdentifiers('targetParticipants');
    const participants = targets.map((target) => {
      const participant = call.participant(rawIdOf(target));
      if (!participant) throw RestFailure.notFound(`Participant ${rawIdOf(target)}`);
      return participant;
    });
    for (const participant of participants) participant.isMuted = true;
    return {
      status: 200,
      body: { operationContext: body.string('operationContext') },
      events: () => runtime.schedule(call, () => runtime.participantsUpdated(call)).delivered,
    };
  },

  moveParticipants: (request) => {
    const { params, body, runtime } = request;
    const call = runtime.requireConnected(params[0] ?? '');
    const targets = body.requiredIdentifiers('targetParticipants');
    const fromCall = body.requiredString('fromCall');
    const operationContext = body.string('operationContext');
    const source = runtime.calls.get(fromCall);
    const movable = targets.filter(
      (target) => source && !source.isOver && source.participant(rawIdOf(target)),
    );
    const url = callbackUrlOf(body, call);
    const scripted = runtime.failureOf('moveParticipants', request.script);
    const events = () =>
      runtime
        .schedule(
          call,
          () =>
            targets.map((participant): CloudEvent => {
              const rawId = rawIdOf(participant);
              const moved = !scripted && source && movable.includes(participant);
              if (!moved) {
                return runtime.event(call, 'MoveParticipantFailed', {
                  operationContext,
                  participant,
                  fromCall,
                  resultInformation: scripted ?? resultCodes.notFound,
                });
              }
              const left = source.removeParticipant(rawId);
              call.addParticipant(participant, left?.party);
              return runtime.event(call, 'MoveParticipantSucceeded', {
                operationContext,
                participant,
                fromCall,
                resultInformation: resultCodes.success,
              });
            }),
          { url, afterMs: request.script?.delayMs, duplicate: request.script?.duplicate },
        )
        .delivered.then(async (delivered) => {
          if (scripted || movable.length === 0) return delivered;
          await runtime.schedule(call, () => runtime.participantsUpdated(call)).delivered;
          if (source && !source.isOver) {
            await runtime.schedule(source, () => runtime.participantsUpdated(source)).delivered;
          }
          return delivered;
        });
    return {
      status: 202,
      body: {
        participants: movable.map((identifier) => ({
          identifier,
          isMuted: false,
          isOnHold: false,
        })),
        operationContext,
        fromCall,
      },
      events,
    };
  },

  // The app's own identity is listed too, as real ACS lists it.
  listParticipants: ({ params, runtime }) => ({
    status: 200,
    body: { value: runtime.requireCall(params[0] ?? '').wireParticipants() },
  }),

  getParticipant: ({ params, runtime }) => {
    const call = runtime.requireCall(params[0] ?? '');
    const participant = call.wireParticipant(params[1]);
    if (!participant) throw RestFailure.notFound(`Participant ${params[1]}`);
    return { status: 200, body: participant };
  },
};
