import { randomUUID } from 'node:crypto';
import type { RestResultInformation } from '@azure/communication-call-automation';
import { newServerCallId } from '../../events/cloud-event-envelope';
import { resultCodes } from '../../events/result-information';
import { communicationUser, rawIdOf, type WireIdentifier } from '../../events/wire-identifiers';
import { EmulatedCall } from '../call-state';
import type { EmulatorRuntime } from '../emulator-runtime';
import type { IncomingCallRecord } from '../incoming-call-registry';
import type { RequestBody } from '../request-body';
import { RestFailure } from '../rest-response';
import type { OperationScript } from '../scenario-script';
import { invitationFailure } from '../scripted-party';
import { startStreamsAtConnect } from '../streaming/stream-launcher';
import {
  type MediaStreamingConfig,
  mediaStreamingConfigOf,
  type TranscriptionConfig,
  transcriptionConfigOf,
} from '../streaming/streaming-config';
import {
  type OperationHandlers,
  type OperationOutcome,
  type ParsedRestRequest,
  requiredCallbackUri,
} from './operation-handler';

/** createCall, answerCall, redirectCall, rejectCall, connectCall: how call connections begin. */
export const callSetupHandlers: OperationHandlers = {
  createCall: ({ body, script, runtime }) => {
    const targets = body.requiredIdentifiers('targets');
    const call = new EmulatedCall({
      callConnectionId: randomUUID(),
      serverCallId: newServerCallId(),
      correlationId: randomUUID(),
      callbackUri: requiredCallbackUri(body),
      direction: 'outbound',
      targets,
      ...sourceOf(body),
      application: runtime.applicationIdentity(body.object('source')?.string('id')),
      streaming: streamingOptionsOf(body),
    });
    runtime.calls.add(call);
    return {
      status: 201,
      body: call.properties('createCall'),
      events: () => ringTargets(runtime, call, targets, body.string('operationContext'), script),
    };
  },

  answerCall: ({ body, script, runtime }) => {
    const record = ringingCall(runtime, body);
    const callbackUri = requiredCallbackUri(body);
    const answeredBy = body.object('answeredBy')?.string('id');
    const call = new EmulatedCall({
      callConnectionId: randomUUID(),
      serverCallId: record.serverCallId,
      correlationId: record.correlationId,
      callbackUri,
      direction: 'inbound',
      targets: [record.to],
      source: record.from,
      answeredBy: answeredBy ? { id: answeredBy } : undefined,
      application: runtime.applicationIdentity(),
      streaming: streamingOptionsOf(body),
    });
    call.addParticipant(record.from, record.caller);
    runtime.calls.add(call);
    runtime.incomingCalls.update(record, 'answered', call.callConnectionId);
    return {
      status: 200,
      body: call.properties('answerCall'),
      events: () =>
        connectOrFail(runtime, call, body.string('operationContext'), script, {
          failureKind: 'AnswerFailed',
          failure: runtime.failureOf('answerCall', script),
        }),
    };
  },

  redirectCall: ({ body, runtime }) => {
    const record = ringingCall(runtime, body);
    body.requiredIdentifier('target');
    runtime.incomingCalls.update(record, 'redirected');
    return { status: 204 };
  },

  rejectCall: ({ body, runtime }) => {
    const record = ringingCall(runtime, body);
    const reason = body.string('callRejectReason') ?? 'none';
    if (!['none', 'busy', 'forbidden'].includes(reason)) {
      throw RestFailure.invalid(
        `callRejectReason "${reason}" is not one of none, busy, forbidden.`,
      );
    }
    runtime.incomingCalls.update(record, 'rejected');
    return { status: 204 };
  },

  connectCall: (request) => joinCall(request),
};

/** connectCall: a new call connection to a call that exists (server call, group call, room). */
function joinCall({ body, script, runtime }: ParsedRestRequest): OperationOutcome {
  const locator = body.requiredObject('callLocator');
  const kind = locator.string('kind') ?? 'serverCallLocator';
  const serverCallId = locator.string('serverCallId');
  const locatorId = serverCallId ?? locator.string('groupCallId') ?? locator.string('roomId');
  if (!locatorId)
    throw RestFailure.invalid('callLocator needs serverCallId, groupCallId or roomId.');
  const existing = serverCallId ? runtime.calls.byServerCallId(serverCallId) : undefined;
  const call = new EmulatedCall({
    callConnectionId: randomUUID(),
    serverCallId: existing?.serverCallId ?? serverCallId ?? newServerCallId(),
    correlationId: existing?.correlationId ?? randomUUID(),
    callbackUri: requiredCallbackUri(body),
    direction: 'connect',
    targets: [],
    application: runtime.applicationIdentity(),
    streaming: streamingOptionsOf(body),
  });
  for (const participant of existing?.participants ?? []) {
    call.addParticipant(participant.identifier, participant.party);
  }
  runtime.calls.add(call);
  // A server call the emulator does not know cannot be joined; group calls and rooms always can.
  const unknownServerCall = kind === 'serverCallLocator' && !existing;
  return {
    status: 200,
    body: call.properties(),
    events: () =>
      connectOrFail(runtime, call, body.string('operationContext'), script, {
        failureKind: 'ConnectFailed',
        failure:
          runtime.failureOf('connectCall', script) ??
          (unknownServerCall ? resultCodes.notFound : undefined),
      }),
  };
}

/** The set-up request's media streaming and transcription options. */
function streamingOptionsOf(body: RequestBody): {
  media?: MediaStreamingConfig;
  transcription?: TranscriptionConfig;
} {
  return { media: mediaStreamingConfigOf(body), transcription: transcriptionConfigOf(body) };
}

/** The source fields of createCall, as the call connection properties report them. */
function sourceOf(body: RequestBody): {
  source?: WireIdentifier;
  sourceCallerIdNumber?: { value: string };
  sourceDisplayName?: string;
} {
  const sourceId = body.object('source')?.string('id');
  const callerId = body.object('sourceCallerIdNumber')?.string('value');
  return {
    source: sourceId ? communicationUser(sourceId) : undefined,
    sourceCallerIdNumber: callerId ? { value: callerId } : undefined,
    sourceDisplayName: body.string('sourceDisplayName'),
  };
}

/** The incoming call a context names; it must be one this emulator issued, still ringing. */
function ringingCall(runtime: EmulatorRuntime, body: RequestBody): IncomingCallRecord {
  const record = runtime.incomingCalls.resolve(body.requiredString('incomingCallContext'));
  if (!record) throw RestFailure.invalid('incomingCallContext is not valid.');
  if (record.state !== 'ringing') {
    throw new RestFailure(
      400,
      '8585',
      `Action is not valid in the current call state: the incoming call was already ${record.state}.`,
    );
  }
  return record;
}

/**
 * The targets of createCall ring; the call connects when one answers (with those that answered
 * as participants), and fails with the first target's reason when none does.
 */
function ringTargets(
  runtime: EmulatorRuntime,
  call: EmulatedCall,
  targets: WireIdentifier[],
  operationContext: string | undefined,
  script: OperationScript | undefined,
): Promise<boolean> {
  const parties = targets.map((identifier) => ({
    identifier,
    party: runtime.partyFor(undefined, rawIdOf(identifier)),
  }));
  const answering = parties.filter((target) => (target.party?.answer ?? 'answer') === 'answer');
  const scripted = runtime.failureOf('createCall', script);
  const failure =
    scripted ??
    (answering.length === 0
      ? invitationFailure(parties[0]?.party?.answer ?? 'noAnswer')
      : undefined);
  return connectOrFail(runtime, call, operationContext, script, {
    failureKind: 'CreateCallFailed',
    failure,
    ringMs: runtime.ringTime((answering[0] ?? parties[0])?.party),
    join: () => {
      for (const target of answering) call.addParticipant(target.identifier, target.party);
    },
  });
}

/**
 * After ringing and the scripted delay: CallConnected (carrying the request's
 * operationContext) and ParticipantsUpdated; or the failure event and CallDisconnected.
 */
function connectOrFail(
  runtime: EmulatorRuntime,
  call: EmulatedCall,
  operationContext: string | undefined,
  script: OperationScript | undefined,
  outcome: {
    failureKind: 'CreateCallFailed' | 'AnswerFailed' | 'ConnectFailed';
    failure: RestResultInformation | undefined;
    ringMs?: number;
    join?: () => void;
  },
): Promise<boolean> {
  const { failure } = outcome;
  const afterMs = (outcome.ringMs ?? 0) + (script?.delayMs ?? 0);
  if (failure) {
    return runtime.schedule(
      call,
      () => {
        runtime.endCall(call);
        return [
          runtime.event(call, outcome.failureKind, {
            operationContext,
            resultInformation: failure,
          }),
          {
            event: runtime.event(call, 'CallDisconnected', { resultInformation: failure }),
            duplicate: false,
          },
        ];
      },
      { afterMs, duplicate: script?.duplicate },
    ).delivered;
  }
  return runtime.schedule(
    call,
    () => {
      outcome.join?.();
      call.state = 'connected';
      const events = [
        runtime.event(call, 'CallConnected', { operationContext }),
        ...runtime.participantsUpdated(call),
      ];
      // `startMediaStreaming` / `startTranscription`: ACS connects once the call is up; the
      // Started (or Failed) events follow these ones.
      startStreamsAtConnect(runtime, call);
      return events;
    },
    { afterMs, duplicate: script?.duplicate },
  ).delivered;
}
