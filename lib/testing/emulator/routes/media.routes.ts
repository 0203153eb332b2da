import { resultCodes } from '../../events/result-information';
import { rawIdOf } from '../../events/wire-identifiers';
import type { EmulatedCall } from '../call-state';
import { DTMF_TONE_NAMES } from '../dtmf-tones';
import type { OutgoingEvent } from '../emulator-runtime';
import { parseRecognizeRequest } from '../recognition';
import type { RequestBody } from '../request-body';
import { RestFailure } from '../rest-response';
import type { EmulatedStreamKind } from '../streaming/emulated-media-stream';
import { closeStream, openStream, transportUrlOf } from '../streaming/stream-launcher';
import { playOperation, recognizeOperation } from './media-operations';
import {
  callbackUrlOf,
  type OperationHandlers,
  type OperationOutcome,
  type ParsedRestRequest,
  reportOutcome,
} from './operation-handler';

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
        resultInformation: resultCodes.continuousDtmfStopped,
      }),
    ]);
  },

  sendDtmfTones: (request) => {
    const { call, participant, operationContext } = targetedRequest(request);
    const tones = request.body.strings('tones');
    if (!tones || tones.length === 0) throw RestFailure.invalid('tones is required.');
    const unknown = tones.find((tone) => !DTMF_TONE_NAMES.has(tone.toLowerCase()));
    if (unknown) throw RestFailure.invalid(`"${unknown}" is not a DTMF tone.`);
    const report = reportOutcome(request, call, 'sendDtmfTones', {
      url: callbackUrlOf(request.body, call),
      operationContext,
      failure: participant ? undefined : resultCodes.participantNotPresent,
      success: () => [
        request.runtime.event(call, 'SendDtmfTonesCompleted', {
          operationContext,
          resultInformation: resultCodes.successWithoutMessage,
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
    if (locale) call.transcription.locale = locale;
    return (
      streamStart(request, call, 'transcription') ??
      subscriptionOutcome(request, call, 'startTranscription', 'TranscriptionStarted', () => {
        call.transcription = {
          active: true,
          locale: locale ?? call.transcription.locale ?? 'en-US',
          subscribed: true,
        };
      })
    );
  },

  stopTranscription: (request) => {
    const call = request.runtime.requireConnected(request.params[0] ?? '');
    return (
      streamStop(request, call, 'transcription') ??
      subscriptionOutcome(request, call, 'stopTranscription', 'TranscriptionStopped', () => {
        call.transcription = { ...call.transcription, active: false };
      })
    );
  },

  updateTranscription: (request) => {
    const call = request.runtime.requireConnected(request.params[0] ?? '');
    const locale = request.body.string('locale');
    return subscriptionOutcome(request, call, 'updateTranscription', 'TranscriptionUpdated', () => {
      call.transcription = { ...call.transcription, locale: locale ?? call.transcription.locale };
      // Later TranscriptionMetadata (a reconnect) names the new locale.
      const stream = call.latestStream('transcription');
      if (stream?.transcription && locale) stream.transcription.locale = locale;
    });
  },

  startMediaStreaming: (request) => {
    const call = request.runtime.requireConnected(request.params[0] ?? '');
    return (
      streamStart(request, call, 'audio') ??
      subscriptionOutcome(request, call, 'startMediaStreaming', 'MediaStreamingStarted', () => {
        call.mediaStreaming = { active: true, subscribed: true };
      })
    );
  },

  stopMediaStreaming: (request) => {
    const call = request.runtime.requireConnected(request.params[0] ?? '');
    return (
      streamStop(request, call, 'audio') ??
      subscriptionOutcome(request, call, 'stopMediaStreaming', 'MediaStreamingStopped', () => {
        call.mediaStreaming = { ...call.mediaStreaming, active: false };
      })
    );
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
function targetedRequest({ params, body, runtime }: ParsedRestRequest) {
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
  request: ParsedRestRequest,
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
): OperationOutcome {
  const report = reportOutcome(request, call, operation, {
    url: callbackUrlOf(request.body, call),
    operationContext: request.body.string('operationContext'),
    success,
  });
  return { status, events: () => report().delivered };
}

/**
 * Hold and unhold: the service sends no success event, only ParticipantsUpdated (the
 * participant's `isOnHold` changed); a failure is HoldFailed.
 */
function holdOrUnhold(request: ParsedRestRequest, operation: 'hold' | 'unhold'): OperationOutcome {
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
    success: () => request.runtime.participantsUpdated(call),
  });
  return { status: 200, events: () => report().delivered };
}

/**
 * A start that connects: the call was set up with a transport URL for `kind` and the run is
 * not scripted to fail. Undefined otherwise (the subscription outcome alone is reported).
 */
function streamStart(
  request: ParsedRestRequest,
  call: EmulatedCall,
  kind: EmulatedStreamKind,
): OperationOutcome | undefined {
  const operation = kind === 'audio' ? 'startMediaStreaming' : 'startTranscription';
  if (request.runtime.failureOf(operation, request.script) || !transportUrlOf(call, kind)) {
    return undefined;
  }
  const start = {
    url: callbackUrlOf(request.body, call),
    operationContext: request.body.string('operationContext'),
  };
  return { status: 202, events: () => openStream(request.runtime, call, kind, start) };
}

/** A stop of a stream that was opened: the socket closes (1000), then the Stopped event. */
function streamStop(
  request: ParsedRestRequest,
  call: EmulatedCall,
  kind: EmulatedStreamKind,
): OperationOutcome | undefined {
  const operation = kind === 'audio' ? 'stopMediaStreaming' : 'stopTranscription';
  if (request.runtime.failureOf(operation, request.script) || !call.latestStream(kind)) {
    return undefined;
  }
  const stop = {
    url: callbackUrlOf(request.body, call),
    operationContext: request.body.string('operationContext'),
  };
  return {
    status: 202,
    events: () => closeStream(request.runtime, call, kind, stop).delivered,
  };
}

/**
 * Transcription and media streaming: `apply` changes the subscription unless the run is
 * scripted to fail; the failure event's status fields come from its factory's defaults.
 */
function subscriptionOutcome(
  request: ParsedRestRequest,
  call: EmulatedCall,
  operation:
    | 'startTranscription'
    | 'stopTranscription'
    | 'updateTranscription'
    | 'startMediaStreaming'
    | 'stopMediaStreaming',
  kind:
    | 'TranscriptionStarted'
    | 'TranscriptionStopped'
    | 'TranscriptionUpdated'
    | 'MediaStreamingStarted'
    | 'MediaStreamingStopped',
  apply: () => void,
): OperationOutcome {
  if (!request.runtime.failureOf(operation, request.script)) apply();
  const operationContext = request.body.string('operationContext');
  return eventOutcome(request, call, operation, 202, () => [
    request.runtime.event(call, kind, { operationContext }),
  ]);
}
