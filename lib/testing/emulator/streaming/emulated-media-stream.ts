import { randomUUID } from 'node:crypto';
import { type RawData, WebSocket } from 'ws';
import { ChangeWaiters } from '../change-waiters';
import { tonesOf } from '../dtmf-tones';
import type { ScriptedParty, ScriptedPhrase } from '../scripted-party';
import { AppMessageRecord, type EmulatedStreamMessage } from './app-message-record';
import { AudioFrameClock } from './audio-frame-clock';
import { frameBytesOf } from './pcm-tone';
import {
  audioMetadataMessage,
  dtmfDataMessage,
  transcriptionMetadataMessage,
} from './stream-messages';
import type { MediaStreamingConfig, TranscriptionConfig } from './streaming-config';
import { phraseResults } from './transcript-results';

/** `audio`: a media streaming connection; `transcription`: a live transcription one. */
export type EmulatedStreamKind = 'audio' | 'transcription';

/** `connecting` → `open` → `closed`, or `failed` when the app could not be reached. */
export type EmulatedStreamState = 'connecting' | 'open' | 'closed' | 'failed';

/** A party whose audio and speech go on the stream. */
export interface StreamSpeaker {
  rawId: string;
  party?: ScriptedParty;
  /** Its scripted phrases not said yet in this call, now said. */
  takePhrases(): ScriptedPhrase[];
}

/** @internal What a stream is opened with. */
export interface StreamInit {
  kind: EmulatedStreamKind;
  callConnectionId: string;
  correlationId: string;
  transportUrl: string;
  token: string;
  media?: MediaStreamingConfig;
  transcription?: TranscriptionConfig;
  /** The parties in the call now (the app not included). */
  speakers: () => StreamSpeaker[];
  frameIntervalMs: number;
  frameLimit: number;
  transcriptStepMs: number;
  connectTimeoutMs: number;
  /** Messages from the app kept in `received` (and their audio in `outboundAudio`). */
  recordLimit: number;
}

/**
 * One WebSocket the emulator opened to the app's `transportUrl`, as ACS opens them: a media
 * stream (AudioMetadata, then AudioData every 20 ms, DtmfData) or a transcription stream
 * (TranscriptionMetadata, then TranscriptionData for what the parties say). It records what
 * the app sends back (outbound audio, StopAudio) and lets a test drive the far side.
 *
 * ```ts
 * const stream = await emulator.call(id).waitForMediaStream();
 * await stream.waitForOpen();
 * await stream.waitForOutboundAudio(640);
 * expect(stream.stopAudioCount).toBe(1);
 * ```
 */
export class EmulatedMediaStream {
  readonly kind: EmulatedStreamKind;
  readonly callConnectionId: string;
  readonly correlationId: string;
  readonly transportUrl: string;
  /** The subscription id of its metadata message. */
  readonly subscriptionId = randomUUID();
  /** The handshake's headers: `authorization` (Bearer JWT), `x-ms-call-connection-id`, `x-ms-call-correlation-id`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Media streaming options of the call (audio streams). */
  readonly media?: MediaStreamingConfig;
  /** Transcription options of the call (transcription streams); `locale` follows updateTranscription. */
  readonly transcription?: TranscriptionConfig;

  private currentState: EmulatedStreamState = 'connecting';
  private failureMessage: string | undefined;
  private handshakeStatus: number | undefined;
  private code: number | undefined;
  private closer: 'emulator' | 'app' | undefined;
  private readonly socket: WebSocket;
  private readonly record: AppMessageRecord;
  private readonly sentKinds = new Map<string, number>();
  private readonly changes = new ChangeWaiters();
  private readonly frames: AudioFrameClock;
  private readonly pendingTimers = new Set<NodeJS.Timeout>();
  private closeOnOpen: { code: number; reason: string } | undefined;
  private speech: Promise<void> = Promise.resolve();
  private speechClockMs = 0;

  /** @internal */
  constructor(private readonly init: StreamInit) {
    this.kind = init.kind;
    this.callConnectionId = init.callConnectionId;
    this.correlationId = init.correlationId;
    this.transportUrl = init.transportUrl;
    this.media = init.media;
    this.transcription = init.transcription && { ...init.transcription };
    this.record = new AppMessageRecord(init.recordLimit);
    this.frames = new AudioFrameClock({
      media: init.media,
      speakers: init.speakers,
      frameIntervalMs: init.frameIntervalMs,
      frameLimit: init.frameLimit,
      send: (message, kind) => this.sendMessage(message, kind),
      onFrames: () => this.changed(),
    });
    this.headers = {
      authorization: `Bearer ${init.token}`,
      'x-ms-call-connection-id': init.callConnectionId,
      'x-ms-call-correlation-id': init.correlationId,
    };
    this.socket = new WebSocket(init.transportUrl, {
      headers: { ...this.headers },
      handshakeTimeout: init.connectTimeoutMs,
    });
    this.socket.on('open', () => this.onOpen());
    this.socket.on('unexpected-response', (_request, response) => {
      this.handshakeStatus = response.statusCode;
      this.fail(`The app answered the WebSocket handshake with HTTP ${response.statusCode}.`);
      response.resume();
      this.socket.terminate();
    });
    this.socket.on('error', (error) => {
      if (this.currentState === 'connecting') this.fail(error.message);
    });
    this.socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    this.socket.on('close', (code) => this.onClose(code));
  }

  get state(): EmulatedStreamState {
    return this.currentState;
  }

  /** Why the connection failed (`state: 'failed'`). */
  get failure(): string | undefined {
    return this.failureMessage;
  }

  /** The HTTP status of a refused handshake (e.g. 401), when the app answered one. */
  get handshakeRefusedWith(): number | undefined {
    return this.handshakeStatus;
  }

  /** The close code, once closed; `closedBy` says which side closed. */
  get closeCode(): number | undefined {
    return this.code;
  }

  get closedBy(): 'emulator' | 'app' | undefined {
    return this.closer;
  }

  /**
   * The messages the app sent, in order: the first `streamRecordLimit` of them (a load test's
   * echo cannot fill the memory); `receivedCount` counts them all.
   */
  get received(): readonly EmulatedStreamMessage[] {
    return this.record.messages;
  }

  get receivedCount(): number {
    return this.record.total;
  }

  /**
   * The PCM of the outbound AudioData the app sent, decoded and concatenated (those within the
   * record limit; `outboundAudioBytes` and `outboundAudioMessages` count them all).
   */
  get outboundAudio(): Buffer {
    return this.record.outboundAudio;
  }

  get outboundAudioBytes(): number {
    return this.record.audioBytes;
  }

  /** How many outbound AudioData messages the app sent. */
  get outboundAudioMessages(): number {
    return this.record.audioMessages;
  }

  /** How many StopAudio messages the app sent. */
  get stopAudioCount(): number {
    return this.record.stopAudio;
  }

  /** Messages the emulator sent, counted by kind (`AudioMetadata`, `AudioData`, `DtmfData`...). */
  get sent(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.sentKinds);
  }

  /** Frame ticks so far (each sends one AudioData, or one per participant when unmixed). */
  get audioFrameTicks(): number {
    return this.frames.ticks;
  }

  get paused(): boolean {
    return this.frames.paused;
  }

  /** Stops sending audio frames until `resume()`; the socket stays open. */
  pause(): void {
    this.frames.pause();
  }

  resume(): void {
    this.frames.resume();
  }

  /**
   * A participant's next frames carry `pcm` (16-bit mono at the stream's rate) instead of its
   * tone. `participant` may be left out when the call has one.
   */
  play(pcm: Uint8Array, participant?: string): void {
    this.requireKind('audio', 'play');
    this.frames.queue(this.speaker(participant).rawId, pcm);
  }

  /** DtmfData for each key, as ACS sends them when the call's options `enableDtmfTones`. */
  pressKeys(keys: string): void {
    this.requireKind('audio', 'pressKeys');
    if (!this.media?.enableDtmfTones) {
      throw new Error('The call was set up without enableDtmfTones: ACS streams no DtmfData.');
    }
    tonesOf(keys);
    for (const key of keys.toUpperCase()) this.sendMessage(dtmfDataMessage(key), 'DtmfData');
  }

  /**
   * The participant says `phrase`: intermediate results (when enabled), then the final one.
   * Resolves once the final result is sent.
   */
  say(phrase: string, participant?: string): Promise<void> {
    this.requireKind('transcription', 'say');
    return this.speak(phrase, this.speaker(participant).rawId);
  }

  /** Sends any text or bytes as is (a malformed or oversized message, an unknown kind...). */
  sendRaw(data: string | Uint8Array): void {
    if (this.socket.readyState !== WebSocket.OPEN) throw new Error('The stream is not open.');
    this.socket.send(data);
  }

  /** Closes the socket from the ACS side (1000 by default), as stop and hang-up do. */
  close(code = 1000, reason = ''): void {
    this.stopSending();
    if (this.currentState === 'connecting') {
      // Its handshake may be done on the app's side already: close it properly once open; a
      // handshake that hangs is cut, so it keeps nothing alive.
      this.closeOnOpen = { code, reason };
      const timer = setTimeout(() => {
        if (this.currentState !== 'connecting') return;
        this.fail('Closed before it connected.');
        this.socket.terminate();
      }, 1_000);
      timer.unref();
      return;
    }
    if (this.currentState !== 'open') return;
    this.closer ??= 'emulator';
    this.socket.close(code, reason);
    // A peer that never answers the close handshake must not keep the socket (or a test) alive.
    const timer = setTimeout(() => this.socket.terminate(), 1_000);
    timer.unref();
  }

  /** Resolves once open; rejects if the connection failed or nothing happened in `timeoutMs`. */
  async waitForOpen(timeoutMs = 5_000): Promise<void> {
    await this.waitFor(() => this.currentState !== 'connecting', timeoutMs, 'to connect');
    if (this.currentState === 'failed') {
      throw new Error(`The ${this.kind} stream failed to connect: ${this.failureMessage}`);
    }
  }

  /** Resolves once the socket is closed (or failed). */
  waitForClose(timeoutMs = 5_000): Promise<void> {
    return this.waitFor(
      () => this.currentState === 'closed' || this.currentState === 'failed',
      timeoutMs,
      'to close',
    );
  }

  /** Resolves once the app sent `count` messages (of `kind`, case-insensitive, if given). */
  async waitForReceived(
    count: number,
    kind?: string,
    timeoutMs = 5_000,
  ): Promise<EmulatedStreamMessage[]> {
    const matching = () =>
      this.record.messages.filter(
        (message) => kind === undefined || message.kind?.toLowerCase() === kind.toLowerCase(),
      );
    await this.waitFor(
      () => matching().length >= count,
      timeoutMs,
      `to receive ${count} ${kind ?? 'message'}(s)`,
    );
    return matching();
  }

  /** Resolves once the app sent at least `bytes` bytes of outbound audio. */
  waitForOutboundAudio(bytes: number, timeoutMs = 5_000): Promise<void> {
    return this.waitFor(
      () => this.record.audioBytes >= bytes,
      timeoutMs,
      `to receive ${bytes} bytes of outbound audio`,
    );
  }

  /** Resolves once `ticks` audio frame ticks were sent. */
  waitForFrames(ticks: number, timeoutMs = 5_000): Promise<void> {
    return this.waitFor(() => this.frames.ticks >= ticks, timeoutMs, `to send ${ticks} frames`);
  }

  /** Resolves when `condition` holds, checked at each change of the stream. */
  waitFor(condition: () => boolean, timeoutMs = 5_000, what = 'a condition'): Promise<void> {
    return this.changes
      .until(
        () => (condition() ? true : undefined),
        timeoutMs,
        () =>
          new Error(
            `The ${this.kind} stream of call ${this.callConnectionId} waited ${timeoutMs} ms ${what} (state ${this.currentState}).`,
          ),
        true,
      )
      .then(() => undefined);
  }

  private onOpen(): void {
    this.currentState = 'open';
    if (this.closeOnOpen) {
      this.close(this.closeOnOpen.code, this.closeOnOpen.reason);
      this.changed();
      return;
    }
    if (this.kind === 'audio') this.startAudio();
    else this.startTranscription();
    this.changed();
  }

  private startAudio(): void {
    const sampleRate = this.media?.sampleRate ?? 16000;
    this.sendMessage(
      audioMetadataMessage(this.subscriptionId, sampleRate, frameBytesOf(sampleRate)),
      'AudioMetadata',
    );
    this.frames.start();
  }

  private startTranscription(): void {
    const config = this.transcription;
    this.sendMessage(
      transcriptionMetadataMessage({
        subscriptionId: this.subscriptionId,
        locale: config?.locale ?? 'en-US',
        callConnectionId: this.callConnectionId,
        correlationId: this.correlationId,
        speechModelEndpointId: config?.speechModelEndpointId,
      }),
      'TranscriptionMetadata',
    );
    for (const speaker of this.init.speakers()) {
      for (const phrase of speaker.takePhrases()) {
        const { text, afterMs } =
          typeof phrase === 'string' ? { text: phrase, afterMs: 0 } : phrase;
        void this.speak(text, speaker.rawId, afterMs).catch(() => undefined);
      }
    }
  }

  /** Queues a phrase behind the ones being said; each result after the transcript step. */
  private speak(phrase: string, rawId: string, afterMs = 0): Promise<void> {
    const said = this.speech.then(async () => {
      if (afterMs && afterMs > 0) await this.sleep(afterMs);
      const { messages, endMs } = phraseResults(
        phrase,
        rawId,
        this.speechClockMs,
        this.transcription?.enableIntermediateResults ?? false,
      );
      this.speechClockMs = endMs;
      for (const message of messages) {
        await this.sleep(this.init.transcriptStepMs);
        if (this.socket.readyState !== WebSocket.OPEN) {
          throw new Error(`The transcription stream closed before "${phrase}" was said.`);
        }
        this.sendMessage(message, 'TranscriptionData');
      }
      this.changed();
    });
    this.speech = said.catch(() => undefined);
    return said;
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    this.record.add(data, isBinary);
    this.changed();
  }

  private onClose(code: number): void {
    this.stopSending();
    if (this.currentState === 'open') {
      this.closer ??= 'app';
      this.code = code;
      this.currentState = 'closed';
    }
    this.changed();
  }

  private fail(message: string): void {
    if (this.currentState !== 'connecting') return;
    this.failureMessage = message;
    this.currentState = 'failed';
    this.changed();
  }

  private stopSending(): void {
    this.frames.stop();
    for (const timer of this.pendingTimers) clearTimeout(timer);
    this.pendingTimers.clear();
  }

  private sendMessage(message: string, kind: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(message);
    this.sentKinds.set(kind, (this.sentKinds.get(kind) ?? 0) + 1);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pendingTimers.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      this.pendingTimers.add(timer);
    });
  }

  private speaker(participant: string | undefined): StreamSpeaker {
    const speakers = this.init.speakers();
    if (participant === undefined) {
      const [only] = speakers;
      if (speakers.length !== 1 || !only) {
        throw new Error(`Name the participant: the call has ${speakers.length}.`);
      }
      return only;
    }
    const rawId = participant.startsWith('+') ? `4:${participant}` : participant;
    const found = speakers.find((speaker) => speaker.rawId === rawId);
    if (!found) throw new Error(`${participant} is not in call ${this.callConnectionId}.`);
    return found;
  }

  private requireKind(kind: EmulatedStreamKind, method: string): void {
    if (this.kind !== kind)
      throw new Error(`${method}() needs a ${kind} stream; this is ${this.kind}.`);
  }

  private changed(): void {
    this.changes.changed();
  }
}
