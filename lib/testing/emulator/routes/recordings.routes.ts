import { callEvent } from '../../events/call-events';
import type { CloudEvent } from '../../library-types';
import type { EmulatorRuntime } from '../emulator-runtime';
import type { EmulatedRecording } from '../recording-registry';
import { RestFailure } from '../rest-response';
import type { OperationHandlers } from './operation-handler';

/** Call recording: start, state, stop, pause, resume. */
export const recordingHandlers: OperationHandlers = {
  startRecording: ({ body, script, runtime }) => {
    const locator = body.object('callLocator');
    const callConnectionId = body.string('callConnectionId');
    const serverCallId = locator?.string('serverCallId');
    if (!locator && !callConnectionId) {
      throw RestFailure.invalid('callLocator or callConnectionId is required.');
    }
    if (locator && !serverCallId && !locator.string('groupCallId') && !locator.string('roomId')) {
      throw RestFailure.invalid('callLocator needs serverCallId, groupCallId or roomId.');
    }
    const call = callConnectionId
      ? runtime.requireCall(callConnectionId)
      : serverCallId
        ? runtime.calls.byServerCallId(serverCallId)
        : undefined;
    if (serverCallId && !call) throw RestFailure.notFound(`Call ${serverCallId}`);
    // Real ACS answers `inactive` and reports `active` later (RecordingStateChanged, GET).
    const startsActive = !body.boolean('pauseOnStart');
    const recording = runtime.recordings.start({
      state: 'inactive',
      callConnectionId: call?.callConnectionId,
      serverCallId: call?.serverCallId ?? serverCallId,
      correlationId: call?.correlationId,
      callbackUrl: body.string('recordingStateCallbackUri') ?? call?.callbackUri,
    });
    const failure = runtime.failureOf('startRecording', script);
    if (failure) runtime.recordings.remove(recording.recordingId);
    return {
      status: 200,
      body: recordingState(recording),
      events: () =>
        sendRecordingEvent(
          runtime,
          recording,
          () => {
            if (failure) {
              return eventOf(recording, 'StartRecordingFailed', {
                recordingId: recording.recordingId,
                resultInformation: failure,
              });
            }
            if (startsActive) recording.state = 'active';
            return stateChanged(recording);
          },
          { afterMs: script?.delayMs, duplicate: script?.duplicate },
        ),
    };
  },

  getRecordingState: ({ params, runtime }) => ({
    status: 200,
    body: recordingState(requireRecording(runtime, params[0])),
  }),

  stopRecording: ({ params, runtime }) => {
    const recording = requireRecording(runtime, params[0]);
    runtime.recordings.remove(recording.recordingId);
    recording.state = 'inactive';
    return {
      status: 204,
      events: () => sendRecordingEvent(runtime, recording, () => stateChanged(recording)),
    };
  },

  pauseRecording: ({ params, runtime }) => {
    const recording = requireRecording(runtime, params[0]);
    recording.state = 'inactive';
    return {
      status: 202,
      events: () => sendRecordingEvent(runtime, recording, () => stateChanged(recording)),
    };
  },

  resumeRecording: ({ params, runtime }) => {
    const recording = requireRecording(runtime, params[0]);
    recording.state = 'active';
    return {
      status: 202,
      events: () => sendRecordingEvent(runtime, recording, () => stateChanged(recording)),
    };
  },
};

function requireRecording(
  runtime: EmulatorRuntime,
  recordingId: string | undefined,
): EmulatedRecording {
  const recording = runtime.recordings.get(recordingId ?? '');
  if (!recording) throw RestFailure.notFound(`Recording ${recordingId}`);
  return recording;
}

function recordingState(recording: EmulatedRecording): Record<string, string> {
  return {
    recordingId: recording.recordingId,
    recordingState: recording.state,
    recordingKind: recording.recordingKind,
  };
}

function eventOf(
  recording: EmulatedRecording,
  kind: 'RecordingStateChanged' | 'StartRecordingFailed',
  data: Record<string, unknown>,
): CloudEvent {
  return callEvent(kind, {
    callConnectionId: recording.callConnectionId,
    serverCallId: recording.serverCallId,
    correlationId: recording.correlationId,
    ...data,
  });
}

function stateChanged(recording: EmulatedRecording): CloudEvent {
  return eventOf(recording, 'RecordingStateChanged', {
    recordingId: recording.recordingId,
    state: recording.state,
    startDateTime: recording.startedAt.toISOString(),
    recordingKind: recording.recordingKind,
  });
}

/**
 * Recording events go to `recordingStateCallbackUri` (else the call's callback), in order with
 * the call's other events; with no URL there is nobody to tell, but the state still changes
 * (`build` makes the change).
 */
function sendRecordingEvent(
  runtime: EmulatorRuntime,
  recording: EmulatedRecording,
  build: () => CloudEvent,
  options: { afterMs?: number; duplicate?: boolean } = {},
): Promise<unknown> {
  const url = recording.callbackUrl;
  if (!url) {
    build();
    return Promise.resolve();
  }
  const call = recording.callConnectionId
    ? runtime.calls.get(recording.callConnectionId)
    : undefined;
  if (call) return runtime.schedule(call, () => [build()], { url, ...options }).delivered;
  return runtime.timers
    .sleep(options.afterMs ?? 0)
    .then(() =>
      runtime.dispatcher.enqueue(recording.recordingId, [
        { event: build(), url, duplicate: options.duplicate ?? false },
      ]),
    );
}
