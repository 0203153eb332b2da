import type {
  CallMedia,
  CallMediaRecognizeChoiceOptions,
  CallMediaRecognizeDtmfOptions,
  CallMediaRecognizeSpeechOptions,
  CallMediaRecognizeSpeechOrDtmfOptions,
  ContinuousDtmfRecognitionOptions,
  DtmfTone,
  FileSource,
  HoldOptions,
  PlayOptions,
  PlayToAllOptions,
  SendDtmfTonesOptions,
  SendDtmfTonesResult,
  SsmlSource,
  StartMediaStreamingOptions,
  StartTranscriptionOptions,
  StopMediaStreamingOptions,
  StopTranscriptionOptions,
  TextSource,
  Tone,
  UnholdOptions,
  UpdateTranscriptionOptions,
} from '@azure/communication-call-automation';
import type { Awaitable } from './awaitable-operation';
import type { OperationRunner } from './operation-runner';
import type { CommunicationIdentifier } from './sdk-types';

type PlaySource = FileSource | TextSource | SsmlSource;
type RecognizeOptions =
  | CallMediaRecognizeDtmfOptions
  | CallMediaRecognizeChoiceOptions
  | CallMediaRecognizeSpeechOptions
  | CallMediaRecognizeSpeechOrDtmfOptions;

/**
 * The SDK's `CallMedia` of one call, with every operation awaitable:
 * `await (await media.playToAll(sources)).waitForEventProcessor()` gives PlayCompleted or
 * PlayFailed. Each operation gets a fresh operationContext and the module's callback URI as
 * its operation callback unless you give them.
 */
export class AwaitableCallMedia {
  constructor(
    /** The SDK object, for what this class does not wrap (cancelAllOperations, ...). */
    readonly sdk: CallMedia,
    readonly callConnectionId: string,
    private readonly runner: OperationRunner,
  ) {}

  play(
    playSources: PlaySource[],
    playTo: CommunicationIdentifier[],
    options: PlayOptions = {},
  ): Promise<Awaitable<'play'>> {
    return this.runner.runOnCall('play', this.callConnectionId, options, (opts) =>
      this.sdk.play(playSources, playTo, opts),
    );
  }

  playToAll(
    playSources: PlaySource[],
    options: PlayToAllOptions = {},
  ): Promise<Awaitable<'playToAll'>> {
    return this.runner.runOnCall('playToAll', this.callConnectionId, options, (opts) =>
      this.sdk.playToAll(playSources, opts),
    );
  }

  startRecognizing(
    targetParticipant: CommunicationIdentifier,
    options: RecognizeOptions,
  ): Promise<Awaitable<'startRecognizing'>>;
  /** The SDK's older form: DTMF with `maxTonesToCollect` as an argument. */
  startRecognizing(
    targetParticipant: CommunicationIdentifier,
    maxTonesToCollect: number,
    options: CallMediaRecognizeDtmfOptions,
  ): Promise<Awaitable<'startRecognizing'>>;
  startRecognizing(
    targetParticipant: CommunicationIdentifier,
    optionsOrMaxTones: RecognizeOptions | number,
    dtmfOptions?: CallMediaRecognizeDtmfOptions,
  ): Promise<Awaitable<'startRecognizing'>> {
    if (typeof optionsOrMaxTones === 'number') {
      const options: CallMediaRecognizeDtmfOptions = dtmfOptions ?? {
        kind: 'callMediaRecognizeDtmfOptions',
      };
      return this.runner.runOnCall('startRecognizing', this.callConnectionId, options, (opts) =>
        this.sdk.startRecognizing(targetParticipant, optionsOrMaxTones, opts),
      );
    }
    return this.runner.runOnCall(
      'startRecognizing',
      this.callConnectionId,
      optionsOrMaxTones,
      (opts) => this.sdk.startRecognizing(targetParticipant, opts),
    );
  }

  startContinuousDtmfRecognition(
    targetParticipant: CommunicationIdentifier,
    options: ContinuousDtmfRecognitionOptions = {},
  ): Promise<Awaitable<'startContinuousDtmfRecognition'>> {
    return this.runner.runOnCall(
      'startContinuousDtmfRecognition',
      this.callConnectionId,
      options,
      (opts) => this.sdk.startContinuousDtmfRecognition(targetParticipant, opts),
    );
  }

  stopContinuousDtmfRecognition(
    targetParticipant: CommunicationIdentifier,
    options: ContinuousDtmfRecognitionOptions = {},
  ): Promise<Awaitable<'stopContinuousDtmfRecognition'>> {
    return this.runner.runOnCall(
      'stopContinuousDtmfRecognition',
      this.callConnectionId,
      options,
      (opts) => this.sdk.stopContinuousDtmfRecognition(targetParticipant, opts),
    );
  }

  sendDtmfTones(
    tones: Tone[] | DtmfTone[],
    targetParticipant: CommunicationIdentifier,
    options: SendDtmfTonesOptions = {},
  ): Promise<Awaitable<'sendDtmfTones', SendDtmfTonesResult>> {
    return this.runner.runOnCall('sendDtmfTones', this.callConnectionId, options, (opts) =>
      this.sdk.sendDtmfTones(tones, targetParticipant, opts),
    );
  }

  /** Resolves `{ isSuccess: true }` once accepted (the service sends no success event), or HoldFailed. */
  hold(
    targetParticipant: CommunicationIdentifier,
    options: HoldOptions = {},
  ): Promise<Awaitable<'hold'>> {
    return this.runner.runOnCall('hold', this.callConnectionId, options, (opts) =>
      this.sdk.hold(targetParticipant, opts),
    );
  }

  /** Resolves `{ isSuccess: true }` once accepted (the service sends no success event). */
  unhold(
    targetParticipant: CommunicationIdentifier,
    options: UnholdOptions = {},
  ): Promise<Awaitable<'unhold'>> {
    return this.runner.runOnCall('unhold', this.callConnectionId, options, (opts) =>
      this.sdk.unhold(targetParticipant, opts),
    );
  }

  startTranscription(
    options: StartTranscriptionOptions = {},
  ): Promise<Awaitable<'startTranscription'>> {
    return this.runner.runOnCall('startTranscription', this.callConnectionId, options, (opts) =>
      this.sdk.startTranscription(opts),
    );
  }

  stopTranscription(
    options: StopTranscriptionOptions = {},
  ): Promise<Awaitable<'stopTranscription'>> {
    return this.runner.runOnCall('stopTranscription', this.callConnectionId, options, (opts) =>
      this.sdk.stopTranscription(opts),
    );
  }

  updateTranscription(
    locale: string,
    options: UpdateTranscriptionOptions = {},
  ): Promise<Awaitable<'updateTranscription'>> {
    return this.runner.runOnCall('updateTranscription', this.callConnectionId, options, (opts) =>
      this.sdk.updateTranscription(locale, opts),
    );
  }

  startMediaStreaming(
    options: StartMediaStreamingOptions = {},
  ): Promise<Awaitable<'startMediaStreaming'>> {
    return this.runner.runOnCall('startMediaStreaming', this.callConnectionId, options, (opts) =>
      this.sdk.startMediaStreaming(opts),
    );
  }

  stopMediaStreaming(
    options: StopMediaStreamingOptions = {},
  ): Promise<Awaitable<'stopMediaStreaming'>> {
    return this.runner.runOnCall('stopMediaStreaming', this.callConnectionId, options, (opts) =>
      this.sdk.stopMediaStreaming(opts),
    );
  }

  /** Cancels every running media operation; their waits settle with PlayCanceled / RecognizeCanceled. */
  cancelAllOperations(): Promise<void> {
    return this.sdk.cancelAllOperations();
  }
}
