import type { AudioData, AudioMetadata } from '@azure/communication-call-automation';

/**
 * One WebSocket ACS opened to the module's media route: a call's audio (media streaming) and/or
 * its live transcription. Given to `@OnMediaStream()` methods and by
 * `processor.waitForMediaStream(callConnectionId)`: the same object to both.
 */
export interface MediaStreamSession {
  /** The call: from the `x-ms-call-connection-id` header (or the transcription metadata). */
  readonly callConnectionId: string;
  /** From the `x-ms-call-correlation-id` header, when ACS sent it. */
  readonly correlationId?: string;
  /** The SDK's AudioMetadata, once ACS has sent it (its first message of a media stream). */
  readonly audioMetadata?: AudioMetadata;
  /**
   * Aborted when the socket closes (reason: MediaStreamClosedError), when the call disconnects
   * (CallDisconnectedError) or on shutdown.
   */
  readonly signal: AbortSignal;
  /** Resolves once the socket has closed. */
  readonly closed: Promise<void>;
  /**
   * AudioData frames dropped because `audio()` was not read fast enough: the session holds at
   * most 500 frames (10 s of 20 ms frames) and drops the oldest past that.
   */
  readonly droppedFrames: number;
  /**
   * The inbound AudioData in arrival order, from the moment the session opened (frames that
   * came before the first call are kept, within the bound above); ends when the session closes.
   * One reader at a time: each frame is read once; leaving a loop leaves later frames queued.
   */
  audio(): AsyncIterableIterator<AudioData>;
  /**
   * Bidirectional streaming: sends `pcm` (in the stream's format, e.g. 16 kHz 16-bit mono) as
   * ACS's outbound AudioData message. Resolves once the socket has written it out. While the
   * socket holds more than 256 KiB unsent, messages queue here, up to 1 MiB; past that it
   * rejects (await each call to pace a producer). Rejects with MediaStreamClosedError once closed.
   */
  sendAudio(pcm: Uint8Array): Promise<void>;
  /**
   * Sends StopAudio (ACS stops playing what it was sent: barge-in) and drops the outbound
   * audio still queued here; their `sendAudio` promises resolve.
   */
  stopAudio(): void;
  /** Closes the socket (default code 1000). */
  close(code?: number, reason?: string): void;
}
