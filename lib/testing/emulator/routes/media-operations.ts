import type { CloudEvent } from '../../library-types';
import type { EmulatedCall } from '../call-state';
import type { EmulatorRuntime, ScheduledEvents } from '../emulator-runtime';
import type { MediaOperation } from '../media-queue';
import { type RecognizeSpec, recognizeInput } from '../recognition';
import type { OperationScript } from '../scenario-script';

/** A media operation plus a promise of its end, for `eventBeforeResponse`. */
export interface TrackedMediaOperation extends MediaOperation {
  /** Resolves once its final event (completed, failed, canceled) is delivered, or the call ended. */
  readonly settled: Promise<void>;
}

interface MediaOperationInit {
  call: EmulatedCall;
  operationContext?: string;
  url: string;
  script: OperationScript | undefined;
}

/**
 * The shared life of play and recognize: `begin` schedules the events up to and including
 * the outcome; `cancel` drops what is pending and reports the Canceled event instead.
 */
function trackedOperation(
  runtime: EmulatorRuntime,
  kind: 'play' | 'recognize',
  init: MediaOperationInit,
  begin: () => { started?: ScheduledEvents; outcome: ScheduledEvents },
  canceledEvent: () => CloudEvent,
): TrackedMediaOperation {
  let settle: () => void = () => {};
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
  });
  let end: () => void = () => {};
  let scheduled: { started?: ScheduledEvents; outcome: ScheduledEvents } | undefined;
  let canceled = false;
  const finish = (): void => {
    end();
    settle();
  };
  return {
    kind,
    operationContext: init.operationContext,
    settled,
    start(onEnd) {
      end = onEnd;
      scheduled = begin();
      // Delivered, or dropped because the call ended: either way this operation is over.
      void scheduled.outcome.delivered.then(() => {
        if (!canceled) finish();
      });
    },
    cancel() {
      scheduled?.started?.cancel();
      if (scheduled && !scheduled.outcome.cancel()) return; // its outcome is already on its way
      canceled = true;
      void runtime
        .schedule(init.call, () => [canceledEvent()], { url: init.url })
        .delivered.then(finish);
    },
  };
}

/** A play: PlayStarted, then PlayCompleted after its duration (a loop plays until canceled). */
export function playOperation(
  runtime: EmulatorRuntime,
  init: MediaOperationInit & { loop: boolean },
): TrackedMediaOperation {
  const { call, operationContext, url, script } = init;
  const delay = script?.delayMs ?? 0;
  return trackedOperation(
    runtime,
    'play',
    init,
    () => {
      const failure = runtime.failureOf('play', script);
      if (failure) {
        const outcome = runtime.schedule(
          call,
          () => [
            runtime.event(call, 'PlayFailed', {
              operationContext,
              resultInformation: failure,
              failedPlaySourceIndex: 0,
            }),
          ],
          { url, afterMs: delay, duplicate: script?.duplicate },
        );
        return { outcome };
      }
      const duration = init.loop
        ? Number.POSITIVE_INFINITY
        : (script?.durationMs ?? runtime.options.mediaDurationMs);
      const started = runtime.schedule(
        call,
        () => [runtime.event(call, 'PlayStarted', { operationContext })],
        { url, afterMs: delay },
      );
      const outcome = runtime.schedule(
        call,
        () => [runtime.event(call, 'PlayCompleted', { operationContext })],
        { url, afterMs: delay + duration, duplicate: script?.duplicate },
      );
      return { started, outcome };
    },
    () => runtime.event(call, 'PlayCanceled', { operationContext }),
  );
}

/**
 * A recognize: the target party's next input (scripted) decides RecognizeCompleted or
 * RecognizeFailed; no input is the initial silence timeout.
 */
export function recognizeOperation(
  runtime: EmulatorRuntime,
  init: MediaOperationInit & { spec: RecognizeSpec },
): TrackedMediaOperation {
  const { call, operationContext, url, script, spec } = init;
  return trackedOperation(
    runtime,
    'recognize',
    init,
    () => {
      const failure = runtime.failureOf('startRecognizing', script);
      const outcome = failure
        ? { kind: 'RecognizeFailed' as const, data: { resultInformation: failure } }
        : recognizeInput(
            spec,
            runtime.partyFor(call, spec.targetRawId)?.takeInput() ?? { silence: true },
          );
      return {
        outcome: runtime.schedule(
          call,
          () => [runtime.eventOfKind(call, outcome.kind, { ...outcome.data, operationContext })],
          {
            url,
            afterMs: (script?.delayMs ?? 0) + (script?.durationMs ?? 0),
            duplicate: script?.duplicate,
          },
        ),
      };
    },
    () => runtime.event(call, 'RecognizeCanceled', { operationContext }),
  );
}
