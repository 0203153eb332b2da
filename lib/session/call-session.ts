import { randomUUID } from 'node:crypto';
import type {
  AddParticipantOptions,
  AddParticipantSucceeded,
  CallAutomationClient,
  CallDisconnected,
  CallInvite,
  CallTransferAccepted,
  PlayStarted,
  PlayToAllOptions,
  RecognizeCompleted,
  RecognizeFailed,
  RecordingStateChanged,
  RemoveParticipantSucceeded,
  RemoveParticipantsOption,
  StartRecordingOptions,
  TransferCallToParticipantOptions,
} from '@azure/communication-call-automation';
import type { AwaitableCallConnection } from '../client/awaitable-call-connection';
import type { AwaitableCallMedia } from '../client/awaitable-call-media';
import type { Awaitable } from '../client/awaitable-operation';
import type { OperationEvents, OperationName } from '../client/operation-events';
import type { CommunicationIdentifier } from '../client/sdk-types';
import { CallDisconnectedError } from '../errors/call-disconnected.error';
import { CallOperationFailedError } from '../errors/call-operation-failed.error';
import type { AnyCallEvent } from '../events/call-event.types';
import type { EventProcessorService } from '../processor/event-processor.service';
import { OperationHandle, StoppableOperationHandle } from './operation-handle';
import { PlaybackHandle } from './playback-handle';
import { PromptMachine } from './prompt-machine';
import type { PlaySource, PromptAnswer, PromptOptions } from './prompt-options';
import { readRecognizeOutcome } from './recognize-outcome';
import { recognizeRequestOf } from './recognize-request';
import { RecordingWatch } from './recording-watch';

/** What every session operation takes besides its own options. */
export interface SessionOperationOptions {
  /** How long to wait for the outcome event. Default: the module's `defaultTimeoutMs`. */
  timeoutMs?: number;
  /** Aborting rejects the operation with the signal's reason (the request is not undone). */
  signal?: AbortSignal;
}

export type SessionPlayOptions = PlayToAllOptions & SessionOperationOptions;
export type SessionTransferOptions = TransferCallToParticipantOptions & SessionOperationOptions;
export type SessionAddParticipantOptions = AddParticipantOptions & SessionOperationOptions;
export type SessionRemoveParticipantOptions = RemoveParticipantsOption & SessionOperationOptions;
export type SessionStartRecordingOptions = Omit<
  StartRecordingOptions,
  'callLocator' | 'callConnectionId'
> &
  SessionOperationOptions;
export interface SessionRecordingOptions extends SessionOperationOptions {
  /** The recording to act on. Default: the one this session started last. */
  recordingId?: string;
}

/** What a session is built from (by CallAutomationService). */
export interface CallSessionInit {
  callConnectionId: string;
  processor: EventProcessorService;
  connection: AwaitableCallConnection;
  /** The SDK client, for call recording. */
  client: () => CallAutomationClient;
  /** The party whose input `prompt` collects by default (the caller, or the callee). */
  participant?: CommunicationIdentifier;
  /** The service's id of the call, when known (matches recording events). */
  serverCallId?: string;
}

/**
 * One call as an object: its operations are awaitable handles that resolve with their success
 * event and reject with `CallOperationFailedError`, `CallDisconnectedError` (at once when the
 * call ends), `CallAutomationTimeoutError` or an abort reason.
 *
 * The session holds one waiter for the call's CallDisconnected (`ended`): it and every wait
 * of the session end with the call, so a session leaves nothing behind in the processor.
 */
export class CallSession {
  readonly callConnectionId: string;
  /** The awaitable connection operations (as `getCallConnection`). */
  readonly connection: AwaitableCallConnection;
  /** The awaitable media operations (as `getCallMedia`). */
  readonly media: AwaitableCallMedia;
  /** Resolves with the call's CallDisconnected; rejects with CallAutomationShutdownError on shutdown. */
  readonly ended: Promise<CallDisconnected>;
  private readonly controller = new AbortController();
  private readonly processor: EventProcessorService;
  private readonly client: () => CallAutomationClient;
  private readonly participant: CommunicationIdentifier | undefined;
  private readonly serverCallId: string | undefined;
  /** Media operations (plays, recognizes) of this session still under way. */
  private readonly pendingMedia = new Map<OperationHandle<unknown>, () => Promise<unknown>>();
  private recordingId: string | undefined;

  constructor(init: CallSessionInit) {
    this.callConnectionId = init.callConnectionId;
    this.processor = init.processor;
    this.connection = init.connection;
    this.media = init.connection.getCallMedia();
    this.client = init.client;
    this.participant = init.participant;
    this.serverCallId = init.serverCallId;
    this.ended = this.processor.waitForEvent(
      { callConnectionId: this.callConnectionId, kind: 'CallDisconnected' },
      { timeoutMs: Number.POSITIVE_INFINITY },
    );
    this.ended.then(
      (event) =>
        this.controller.abort(
          new CallDisconnectedError(this.callConnectionId, event, 'the operations of its session'),
        ),
      (error: unknown) => this.controller.abort(error),
    );
  }

  /** Aborted when the call ends (reason: CallDisconnectedError) or the application shuts down. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Plays to everyone in the call; resolves with PlayCompleted. `stop()` cancels it. */
  play(prompts: PlaySource | PlaySource[], options: SessionPlayOptions = {}): PlaybackHandle {
    const { timeoutMs, signal: _signal, ...sdkOptions } = options;
    const operationContext = sdkOptions.operationContext || randomUUID();
    const signal = this.signalFor(options);
    // Subscribed before the request, like the operation itself.
    const startedEnd = new AbortController();
    const started = this.processor.waitForEvent(
      { callConnectionId: this.callConnectionId, operationContext, kind: 'PlayStarted' },
      {
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        signal: AbortSignal.any([signal, startedEnd.signal]),
      },
    ) as Promise<PlayStarted>;
    let sent: Promise<unknown> = Promise.resolve();
    const outcome = this.run('play', options, () => {
      const request = this.media.playToAll(toList(prompts), { ...sdkOptions, operationContext });
      sent = request;
      return request;
    });
    // Once the play has ended, PlayStarted is not coming any more: that wait ends too.
    outcome.then(
      () =>
        startedEnd.abort(
          new Error(`play on call ${this.callConnectionId} completed without PlayStarted.`),
        ),
      (error: unknown) => startedEnd.abort(error),
    );
    const handle = new PlaybackHandle(outcome, started, () => this.cancelAfter(sent));
    this.trackMedia(handle, () => sent);
    return handle;
  }

  /** Transfers the call; resolves with CallTransferAccepted. */
  transfer(
    target: CommunicationIdentifier,
    options: SessionTransferOptions = {},
  ): OperationHandle<CallTransferAccepted> {
    const { timeoutMs: _t, signal: _s, ...sdkOptions } = options;
    return new OperationHandle(
      this.run('transfer', options, () =>
        this.connection.transferCallToParticipant(target, sdkOptions),
      ),
    );
  }

  /**
   * Hangs up: for everyone (the default) or the application only. Resolves with the call's
   * CallDisconnected (at once if the call has already ended).
   */
  hangUp(
    forEveryone = true,
    options: SessionOperationOptions = {},
  ): OperationHandle<CallDisconnected> {
    if (this.signal.aborted) {
      return new OperationHandle(this.ended);
    }
    return new OperationHandle(
      this.run('hangUp', options, () => this.connection.hangUp(forEveryone)),
    );
  }

  addParticipant(
    invite: CallInvite,
    options: SessionAddParticipantOptions = {},
  ): OperationHandle<AddParticipantSucceeded> {
    const { timeoutMs: _t, signal: _s, ...sdkOptions } = options;
    return new OperationHandle(
      this.run('addParticipant', options, () => this.connection.addParticipant(invite, sdkOptions)),
    );
  }

  removeParticipant(
    participant: CommunicationIdentifier,
    options: SessionRemoveParticipantOptions = {},
  ): OperationHandle<RemoveParticipantSucceeded> {
    const { timeoutMs: _t, signal: _s, ...sdkOptions } = options;
    return new OperationHandle(
      this.run('removeParticipant', options, () =>
        this.connection.removeParticipant(participant, sdkOptions),
      ),
    );
  }

  /**
   * Starts recording the call; resolves with the RecordingStateChanged that says it records
   * (`active`; `inactive` with `pauseOnStart`). ACS answers the request with state `inactive`
   * and reports `active` later: the event is what counts. StartRecordingFailed rejects it.
   */
  startRecording(
    options: SessionStartRecordingOptions = {},
  ): OperationHandle<RecordingStateChanged> {
    const { timeoutMs: _t, signal: _s, ...sdkOptions } = options;
    const expected = options.pauseOnStart ? 'inactive' : 'active';
    return new OperationHandle(
      this.guard(options, async () => {
        const watch = this.watchRecording('startRecording', expected, options);
        try {
          const result = await this.client()
            .getCallRecording()
            .start({ ...sdkOptions, callConnectionId: this.callConnectionId });
          this.recordingId = result.recordingId;
          return await watch.outcome(result.recordingId);
        } finally {
          watch.close();
        }
      }),
    );
  }

  /** Pauses the recording; resolves with RecordingStateChanged `inactive`. */
  pauseRecording(options: SessionRecordingOptions = {}): OperationHandle<RecordingStateChanged> {
    return this.changeRecording('pauseRecording', 'inactive', options, (recording, id) =>
      recording.pause(id),
    );
  }

  /** Resumes the recording; resolves with RecordingStateChanged `active`. */
  resumeRecording(options: SessionRecordingOptions = {}): OperationHandle<RecordingStateChanged> {
    return this.changeRecording('resumeRecording', 'active', options, (recording, id) =>
      recording.resume(id),
    );
  }

  /** Stops the recording; resolves with RecordingStateChanged `inactive`. */
  stopRecording(options: SessionRecordingOptions = {}): OperationHandle<RecordingStateChanged> {
    return this.changeRecording('stopRecording', 'inactive', options, (recording, id) =>
      recording.stop(id),
    );
  }

  /**
   * Cancels every media operation of the call (the SDK's cancelAllMediaOperations); resolves
   * once the plays and prompts of this session (the call's only one, see
   * CallAutomationService.session) under way have ended (as canceled).
   */
  async cancelMediaOperations(): Promise<void> {
    const pending = [...this.pendingMedia];
    // A request still on its way would miss the cancel: let them all reach the service first.
    await Promise.all(pending.map(([, sent]) => sent().catch(() => undefined)));
    await this.cancelAll();
    await Promise.all(pending.map(([handle]) => handle.settled()));
  }

  /**
   * Plays a prompt and collects DTMF, a choice or speech, with re-prompts: see PromptOptions.
   * Running out of attempts is an answer (`noInput` / `noMatch`); a hang-up rejects with
   * CallDisconnectedError; `stop()` cancels it (it then rejects with CallOperationFailedError,
   * RecognizeCanceled).
   */
  prompt(options: PromptOptions): StoppableOperationHandle<PromptAnswer> {
    const control: PromptControl = { stopped: false, sent: Promise.resolve() };
    const outcome = this.guard(options, () => this.runPrompt(options, control));
    const handle = new StoppableOperationHandle(outcome, () => {
      control.stopped = true;
      return this.cancelAfter(control.sent);
    });
    this.trackMedia(handle, () => control.sent);
    return handle;
  }

  private async runPrompt(options: PromptOptions, control: PromptControl): Promise<PromptAnswer> {
    const participant = options.participant ?? this.participant;
    if (participant === undefined) {
      throw new TypeError(
        `prompt on call ${this.callConnectionId}: say whose input to collect (options.participant), or create the session with calls.session(id, { participant }).`,
      );
    }
    const machine = new PromptMachine({
      play: toList(options.play),
      attempts: options.attempts ?? 3,
      noInput: toList(options.noInput),
      noMatch: toList(options.noMatch),
      ...(options.validate !== undefined ? { validate: options.validate } : {}),
    });
    // Check the options before the first request.
    recognizeRequestOf(options, toList(options.play));
    let step = machine.start();
    while (step.type === 'recognize') {
      const request = recognizeRequestOf(options, step.prompts);
      const sent = this.media.startRecognizing(participant, request);
      control.sent = sent;
      const result = await this.outcomeOf('prompt', options, sent);
      const event = (result.successResult ?? result.failureResult) as AnyCallEvent | undefined;
      const next = machine.next(
        event?.kind === 'RecognizeCompleted' || event?.kind === 'RecognizeFailed'
          ? readRecognizeOutcome(event as RecognizeCompleted | RecognizeFailed)
          : { type: 'failed' },
      );
      // A failure no re-prompt fixes, or RecognizeCanceled (stop(), cancelMediaOperations).
      if (next.type === 'fail' || (next.type === 'recognize' && control.stopped)) {
        throw this.failureOf('prompt', event);
      }
      step = next;
    }
    if (step.type === 'answer') return step.answer;
    throw new Error('prompt: the state machine ended without an answer.');
  }

  private changeRecording(
    operation: 'pauseRecording' | 'resumeRecording' | 'stopRecording',
    expected: 'active' | 'inactive',
    options: SessionRecordingOptions,
    send: (
      recording: ReturnType<CallAutomationClient['getCallRecording']>,
      recordingId: string,
    ) => Promise<unknown>,
  ): OperationHandle<RecordingStateChanged> {
    return new OperationHandle(
      this.guard(options, async () => {
        const recordingId = options.recordingId ?? this.recordingId;
        if (recordingId === undefined) {
          throw new TypeError(
            `${operation} on call ${this.callConnectionId}: no recording was started by this session; pass options.recordingId.`,
          );
        }
        const watch = this.watchRecording(operation, expected, options);
        try {
          await send(this.client().getCallRecording(), recordingId);
          return await watch.outcome(recordingId);
        } finally {
          watch.close();
        }
      }),
    );
  }

  private watchRecording(
    operation: string,
    expected: 'active' | 'inactive',
    options: SessionOperationOptions,
  ): RecordingWatch {
    return new RecordingWatch(this.processor, {
      operation,
      callConnectionId: this.callConnectionId,
      ...(this.serverCallId !== undefined ? { serverCallId: this.serverCallId } : {}),
      expected,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      signal: this.signalFor(options),
    });
  }

  /**
   * Sends one operation (registered before its request) and waits for its outcome: the
   * success event, else CallOperationFailedError / CallDisconnectedError.
   */
  private run<N extends OperationName>(
    operation: string,
    options: SessionOperationOptions,
    send: () => Promise<Awaitable<N, unknown>>,
  ): Promise<NonNullable<OperationEvents[N]['success']>> {
    return this.guard(options, async () => {
      const result = await this.outcomeOf(operation, options, send());
      if (result.isSuccess && result.successResult !== undefined) {
        return result.successResult as NonNullable<OperationEvents[N]['success']>;
      }
      throw this.failureOf(operation, result.failureResult);
    });
  }

  private async outcomeOf(
    operation: string,
    options: SessionOperationOptions,
    sent: Promise<Awaitable<OperationName, unknown>>,
  ): Promise<{ isSuccess: boolean; successResult?: unknown; failureResult?: unknown }> {
    const awaitable = await sent;
    const result = await awaitable.waitForEventProcessor({
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      signal: this.signalFor(options),
    });
    if (
      !result.isSuccess &&
      (result.failureResult as { kind?: string })?.kind === 'CallDisconnected'
    ) {
      throw new CallDisconnectedError(
        this.callConnectionId,
        result.failureResult as CallDisconnected,
        `${operation} on call ${this.callConnectionId}`,
      );
    }
    return result;
  }

  private failureOf(operation: string, event: unknown): Error {
    const failure = event as { kind?: string } | undefined;
    if (failure?.kind === 'CallDisconnected') {
      return new CallDisconnectedError(
        this.callConnectionId,
        failure as CallDisconnected,
        `${operation} on call ${this.callConnectionId}`,
      );
    }
    if (failure?.kind === undefined) {
      return new Error(
        `${operation} on call ${this.callConnectionId} ended without an outcome event.`,
      );
    }
    return new CallOperationFailedError(
      operation,
      this.callConnectionId,
      failure as CallOperationFailedError['event'],
    );
  }

  /** Runs an operation unless the call has ended or its signal is aborted (it then rejects with the reason). */
  private guard<T>(options: SessionOperationOptions, body: () => Promise<T>): Promise<T> {
    if (this.signal.aborted) return Promise.reject(this.signal.reason);
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    try {
      return body();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The session's signal, combined with the operation's own. */
  private signalFor(options: SessionOperationOptions): AbortSignal {
    return options.signal ? AbortSignal.any([this.signal, options.signal]) : this.signal;
  }

  private trackMedia(handle: OperationHandle<unknown>, sent: () => Promise<unknown>): void {
    this.pendingMedia.set(handle, sent);
    void handle.settled().then(() => this.pendingMedia.delete(handle));
  }

  /** Cancels once the request has reached the service (a cancel before it would miss it). */
  private async cancelAfter(sent: Promise<unknown>): Promise<void> {
    await sent.catch(() => undefined);
    await this.cancelAll();
  }

  private async cancelAll(): Promise<void> {
    if (this.signal.aborted) return;
    await this.media.cancelAllOperations();
  }
}

/** How `stop()` reaches a prompt under way: the request of its current attempt. */
interface PromptControl {
  stopped: boolean;
  sent: Promise<unknown>;
}

function toList(prompts: PlaySource | PlaySource[] | undefined): PlaySource[] {
  if (prompts === undefined) return [];
  return Array.isArray(prompts) ? prompts : [prompts];
}
