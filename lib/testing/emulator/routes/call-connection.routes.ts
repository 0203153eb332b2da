import { resultCodes } from '../../events/result-information';
import { rawIdOf } from '../../events/wire-identifiers';
import { invitationFailure } from '../scripted-party';
import { callbackUrlOf, type OperationHandlers, reportOutcome } from './operation-handler';

/** Properties, hang-up, terminate and transfer of an existing call connection. */
export const callConnectionHandlers: OperationHandlers = {
  getCallConnectionProperties: ({ params, runtime }) => ({
    status: 200,
    body: runtime.requireCall(params[0] ?? '').properties(),
  }),

  hangUp: ({ params, runtime }) => {
    const call = runtime.requireCall(params[0] ?? '');
    const ended = runtime.disconnect(call, resultCodes.callEnded);
    return { status: 204, events: () => ended };
  },

  terminateCall: ({ params, runtime }) => {
    const call = runtime.requireCall(params[0] ?? '');
    const ended = runtime.disconnect(call, resultCodes.callEnded);
    return { status: 204, events: () => ended };
  },

  transferCallToParticipant: (request) => {
    const { params, body, runtime } = request;
    const call = runtime.requireConnected(params[0] ?? '');
    const target = body.requiredIdentifier('targetParticipant');
    const transferee = body.identifier('transferee') ?? call.participants[0]?.identifier;
    const operationContext = body.string('operationContext');
    const party = runtime.partyFor(call, rawIdOf(target));
    call.state = 'transferring';
    const report = reportOutcome(request, call, 'transferCallToParticipant', {
      url: callbackUrlOf(body, call),
      operationContext,
      failure: invitationFailure(party?.answer ?? 'answer'),
      afterMs: runtime.ringTime(party),
      onDue: (failed) => {
        // A failed transfer leaves the call as it was.
        if (failed) call.state = 'connected';
      },
      success: () => {
        call.state = 'transferAccepted';
        return [
          runtime.event(call, 'CallTransferAccepted', {
            operationContext,
            transferTarget: target,
            transferee,
            resultInformation: resultCodes.transferAccepted,
          }),
        ];
      },
    });
    return {
      status: 202,
      body: { operationContext },
      events: async () => {
        await report().delivered;
        // The transfer target took over: the application's leg ends.
        if (call.state === 'transferAccepted') {
          await runtime.disconnect(call, resultCodes.callTransferred, operationContext);
        }
      },
    };
  },
};
