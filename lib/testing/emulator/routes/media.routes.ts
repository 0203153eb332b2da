import { resultCodes } from '../../events/result-information';
import { rawIdOf } from '../../events/wire-identifiers';
import type { EmulatedCall } from '../call-state';
import type { OutgoingEvent } from '../emulator-runtime';
import { parseRecognizeRequest } from '../recognition';
import type { RequestBody } from '../request-body';
import { RestFailure } from '../rest-response';
import { playOperation, recognizeOperation } from './media-operations';
import {
  callbackUrlOf,
  type OperationHandlers,
  type OperationRequest,
  type OperationResult,
  reportOutcome,
} from './operation-handler';

const DTMF_TONES = new Set([
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'a',
  'b',
  'c',
  'd',
  'pound',
  'asterisk',
]);

/** Play, recognize, DTMF, hold, transcription and media streaming of a call. */
export const mediaHandlers: OperationHandlers = {
  play: ({ params, body, script, runtime }) => {
    const call = runtime.requireConnected(params[0] ?? '');
    checkPlaySources(body.objects('playSources'), 'playSources');
    const operation = playOperation(runtime, {
      call,
      operationContext: body.string('operationContext'),
      url: callbackUrlOf(body, call),
      script,
      loop: body.object('playOptions')?.boolean('loop') ?? false,
    });
    const interrupt = body.boolean('interruptCallMediaOperation') ?? false;
    return {
      status: 202,
      events: () => {
        call.media.submit(operation, interrupt);
        return operation.settled;
      },
    };
  },

  startRecognizing: ({ params, body, script, runtime }) => {
    const call = runtime.requireConnected(params[0] ?? '');
    const spec = parseRecognizeRequest(body);
    const prompt = body.object('playPrompt');
    if (prompt) checkPlaySources([prompt], 'playPrompt');
    checkPlaySources(body.objects('playPrompts') ?? [], 'playPrompts', true);
    const operation = recognizeOperation(runtime, {
      call,
      operationContext: body.string('operationContext'),
      url: callbackUrlOf(body, call),
      script,
      spec,
    });
    const interrupt = body.boolean('interruptCallMediaOperation') ?? false;
    return {
      status: 202,
      events: () => {
        call.media.submit(operation, interrupt);
        return operation.settled;
      },
    };
  },

  cancelAllMediaOperations: ({ params, runtime }) => {
    const call = runtime.requireConnected(params[0] ?? '');
    call.media.cancelAll();
    return { status: 202 };
  },

  startContinuousDtmfRecognition: (request) => {
    const { call, rawId, operationContext } = targetedRequest(request);
    const failure = request.runtime.failureOf('startContinuousDtmfRecognition', request.script);
    if (!failure) {
      call.continuousDtmf.set(rawId, {
        operationContext,
        url: call.callbackUri,
        nextSequenceId: 1,
      });
      return { status: 200 };
    }
    // No success event exists; a failure is reported as ContinuousDtmfRecognitionToneFailed.
    return {
      status: 200,
      events: () =>
        reportOutcome(request, call, 'startContinuousDtmfRecognition', {
          url: call.callbackUri,
          operationContext,
          success: () => [],
        })().delivered,
    };
  },

  stopContinuousDtmfRecognition: (request) => {
    const { call, rawId, operationContext } = targetedRequest(request);
    if (!request.runtime.failureOf('stopContinuousDtmfRecognition', request.script)) {
      call.continuousDtmf.delete(rawId);
    }
    return eventOutcome(request, call, 'stopContinuousDtmfRecognition', 200, () => [
      request.runtime.event(call, 'ContinuousDtmfRecognitionStopped', {
        operationContext,
        resultInformation: resultCodes.success,
      }),
    ]);
  },

  sendDtmfTones: (request) => {
    const { call, participant, operationContext } = targetedRequest(request);
    const tones = request.body.strings('tones');
    if (!tones || tones.length === 0) throw RestFailure.invalid('tones is required.');
    const unknown = tones.find((tone) => !DTMF_TONES.has(tone.toLowerCase()));
    if (unknown) throw RestFailure.invalid(`"${unknown}" is not a DTMF tone.`);
    const report = reportOutcome(request, call, 'sendDtmfTones', {
      url: callbackUrlOf(request.body, call),
      operationContext,
      failure: participant ? undefined : resultCodes.participantNotPresent,
      success: () => [
        request.runtime.event(call, 'SendDtmfTonesCompleted', {
          operationContext,
          resultInformation: resultCodes.success,
        }),
      ],
    });
    return { status: 202, body: { operationContext }, events: () => report().delivered };
  },

  hold: (request) => holdOrUnhold(request, 'hold'),
  unhold: (request) => holdOrUnhold(request, 'unhold'),

  startTranscription: (request) => {
    const call = request.runtime.requireConnected(request.params[0] ?? '');
    const locale = request.body.string('locale');
    return transcriptionOutcome(request, call, 'startTranscription', 'TranscriptionStarted', () => {
      call.transcription = { active: true, locale: locale ?? call.transcription.locale ?? 'en-US' };
    });
  },

  stopTranscription: (request) => {
    const call = request.runtime.requireConnected(request.params[0] ?? '');
    return transcriptionOutcome(request, call, 'stopTranscription', 'TranscriptionStopped', () => {
      call.transcription = { active: false, locale: call.transcription.locale };
    });
  },

  updateTranscription: (request) => {
    const call = request.runtime.requireConnected(request.params[0] ?? '');
    const locale = request.body.string('locale');
    return transcriptionOutcome(
      request,
      call,
      'updateTranscription',
      'TranscriptionUpdated',
      () => {
        call.transcription = { ...call.transcription, locale: locale ?? call.transcription.locale };
      },
    );
  },

  startMediaStreaming: (request) => {
    const call = request.runtime.requireConnected(request.params[0] ?? '');
    return streamingOutcome(request, call, 'startMediaStreaming', 'MediaStreamingStarted', true);
  },

  stopMediaStreaming: (request) => {
    const call = request.runtime.requireConnected(request.params[0] ?? '');
    return streamingOutcome(request, call, 'stopMediaStreaming', 'MediaStreamingStopped', false);
  },
};

/** Checks play sources the way the service validates them. */
function checkPlaySources(
  sources: RequestBody[] | undefined,
  field: string,
  optional = false,
): void {
  if (!sources || sources.length === 0) {
    if (optional) return;
    throw RestFailure.invalid(`${field} is required.`);
  }
  for (const source of sources) {
    const kind = source.requiredString('kind');
    if (kind === 'file') source.requiredObject('file').requiredString('uri');
    else if (kind === 'text') source.requiredObject('text').requiredString('text');
    else if (kind === 'ssml') source.requiredObject('ssml').requiredString('ssmlText');
    else throw RestFailure.invalid(`play source kind "${kind}" is not supported.`);
  }
}

/** The call and target participant of a media operation aimed at one participant. */
function targetedRequest({ params, body, runtime }: OperationRequest) {
  const call = runtime.requireConnected(params[0] ?? '');
  const target = body.requiredIdentifier('targetParticipant');
  const rawId = rawIdOf(target) ?? '';
  return {
    call,
    rawId,
    participant: call.participant(rawId),
    operationContext: body.string('operationContext'),
  };
}

/** An operation whose outcome is one event: the success events or the scripted failure. */
function eventOutcome(
  request: OperationRequest,
  call: EmulatedCall,
  operation:
    | 'stopContinuousDtmfRecognition'
    | 'startTranscription'
    | 'stopTranscription'
    | 'updateTranscription'
    | 'startMediaStreaming'
    | 'stopMediaStreaming',
  status: number,
  success: () => OutgoingEvent[],
  failureData?: Record<string, unknown>,
): OperationResult {
  const report = reportOutcome(request, call, operation, {
    url: callbackUrlOf(request.body, call),
    operationContext: request.body.string('operationContext'),
    success,
    failureData,
  });
  return { status, events: () => report().delivered };
}

/**
 * Hold and unhold: the service sends no success event, only ParticipantsUpdated (the
 * participant's `isOnHold` changed); a failure is HoldFailed.
 */
function holdOrUnhold(request: OperationRequest, operation: 'hold' | 'unhold'): OperationResult {
  const { call, participant, operationContext } = targetedRequest(request);
  if (operation === 'hold') request.body.object('playSourceInfo');
  const failure =
    request.runtime.failureOf(operation, request.script) ??
    (participant ? undefined : resultCodes.participantNotPresent);
  if (!failure && participant) participant.isOnHold = operation === 'hold';
  const report = reportOutcome(request, call, operation, {
    url: callbackUrlOf(request.body, call),
    operationContext,
    failure,
    success: () => [request.runtime.participantsUpdated(call)],
  });
  return { status: 200, events: () => report().delivered };
}

function transcriptionOutcome(
  request: OperationRequest,
  call: EmulatedCall,
  operation: 'startTranscription' | 'stopTranscription' | 'updateTranscription',
  kind: 'TranscriptionStarted' | 'TranscriptionStopped' | 'TranscriptionUpdated',
  apply: () => void,
): OperationResult {
  if (!request.runtime.failureOf(operation, request.script)) apply();
  const operationContext = request.body.string('operationContext');
  return eventOutcome(
    request,
    call,
    operation,
    202,
    () => [request.runtime.event(call, kind, { operationContext })],
    {
      transcriptionUpdate: {
        transcriptionStatus: 'transcriptionFailed',
        transcriptionStatusDetails: 'unspecifiedError',
      },
    },
  );
}

function streamingOutcome(
  request: OperationRequest,
  call: EmulatedCall,
  operation: 'startMediaStreaming' | 'stopMediaStreaming',
  kind: 'MediaStreamingStarted' | 'MediaStreamingStopped',
  active: boolean,
): OperationResult {
  if (!request.runtime.failureOf(operation, request.script)) call.mediaStreaming = { active };
  const operationContext = request.body.string('operationContext');
  return eventOutcome(
    request,
    call,
    operation,
    202,
    () => [request.runtime.event(call, kind, { operationContext })],
    {
      mediaStreamingUpdate: {
        contentType: 'Audio',
        mediaStreamingStatus: 'mediaStreamingFailed',
        mediaStreamingStatusDetails: 'streamConnectionUnsuccessful',
      },
    },
  );
}
