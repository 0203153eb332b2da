import type { AudioData, AudioMetadata } from '@azure/communication-call-automation';
import type { RawData, WebSocket } from 'ws';
import {
  MAX_QUEUED_INBOUND_FRAMES,
  MAX_QUEUED_OUTBOUND_BYTES,
  OUTBOUND_HIGH_WATER_BYTES,
} from '../constants';
import { MediaStreamClosedError } from '../errors/media-stream-closed.error';
import type { MediaCallEvent } from '../events/media-call-events';
import { InboundAudioQueue } from './inbound-audio-queue';
import type { MediaStreamSession } from './media-stream-session';
import {
  OutboundAudioSender,
  outboundAudioMessage,
  STOP_AUDIO_MESSAGE,
} from './outbound-audio-sender';
import { parseStreamingMessage, type StreamingMessage } from './streaming-message';

/** What a session tells the module about. */
export interface MediaSessionHooks {
  /** The session knows its call (at once from the header, or from the transcription metadata). */
  identified(session: WebSocketMediaSession): void;
  /** A TranscriptionData or DtmfData: a call event for the processor. */
  callEvent(event: MediaCallEvent): void;
  /** A message that could not be read (dropped). */
  malformed(session: WebSocketMediaSession, reason: string): void;
  /** The socket closed. */
  closed(session: WebSocketMediaSession): void;
}

/** How long a shutting-down session waits for the peer's close frame before cutting the socket. */
const SHUTDOWN_CLOSE_GRACE_MS = 1_000;

/**
 * A MediaStreamSession over one `ws` socket: reads every message with our own parser (never
 * the SDK's shared static state), keeps AudioData for `audio()`, hands TranscriptionData and
 * DtmfData to the processor as call events, and sends outbound audio with backpressure.
 */
export class WebSocketMediaSession implements MediaStreamSession {
  callConnectionId: string;
  readonly correlationId?: string;
  audioMetadata?: AudioMetadata;
  readonly closed: Promise<void>;
  private readonly controller = new AbortController();
  private readonly inbound = new InboundAudioQueue(MAX_QUEUED_INBOUND_FRAMES);
  private readonly outbound: OutboundAudioSender;
  private resolveClosed!: () => void;
  private errorCloseCode: number | undefined;

  constructor(
    private readonly socket: WebSocket,
    headers: { callConnectionId?: string; correlationId?: string },
    private readonly hooks: MediaSessionHooks,
  ) {
    this.callConnectionId = headers.callConnectionId ?? '';
    if (headers.correlationId !== undefined) this.correlationId = headers.correlationId;
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.outbound = new OutboundAudioSender(
      socket,
      OUTBOUND_HIGH_WATER_BYTES,
      MAX_QUEUED_OUTBOUND_BYTES,
    );
    socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    socket.on('close', (code, reason) => this.onClose(code, reason.toString()));
    // An error (a protocol violation, an oversized message) is followed by 'close', whose code
    // then says 1006 (the peer's close frame is no longer read): the code ws sent is kept.
    socket.on('error', (error: Error & { code?: string }) => {
      this.errorCloseCode = error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 1009 : 1002;
    });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get droppedFrames(): number {
    return this.inbound.dropped;
  }

  audio(): AsyncIterableIterator<AudioData> {
    return this.inbound.iterator();
  }

  sendAudio(pcm: Uint8Array): Promise<void> {
    if (!(pcm instanceof Uint8Array)) {
      return Promise.reject(
        new TypeError('sendAudio: pcm must be a Uint8Array (or a Buffer) of PCM audio.'),
      );
    }
    return this.outbound.send(outboundAudioMessage(pcm));
  }

  stopAudio(): void {
    this.outbound.dropQueued();
    this.outbound.sendNow(STOP_AUDIO_MESSAGE);
  }

  close(code = 1000, reason = ''): void {
    this.socket.close(code, reason);
  }

  /** The call disconnected (or the app shuts down): the session ends with this reason. */
  end(reason: Error, code: number, shuttingDown = false): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
    this.close(code, code === 1001 ? 'shutting down' : 'call ended');
    if (shuttingDown) {
      // The process must not wait for a peer that never answers the close frame.
      setTimeout(() => this.socket.terminate(), SHUTDOWN_CLOSE_GRACE_MS).unref();
    }
  }

  private receive(data: RawData, isBinary: boolean): void {
    let message: StreamingMessage;
    try {
      message = parseStreamingMessage(textOf(data, isBinary));
    } catch (error) {
      this.hooks.malformed(this, error instanceof Error ? error.message : String(error));
      return;
    }
    switch (message.kind) {
      case 'AudioData':
        this.inbound.push(message as AudioData & { kind: 'AudioData' });
        return;
      case 'AudioMetadata': {
        // The SDK's AudioMetadata, as `StreamingData.parse` gives it (without the kind).
        const { kind: _kind, ...metadata } = message as AudioMetadata & { kind: 'AudioMetadata' };
        this.audioMetadata = metadata;
        return;
      }
      case 'TranscriptionMetadata': {
        const call = (message as { callConnectionId?: unknown }).callConnectionId;
        if (this.callConnectionId === '' && typeof call === 'string' && call !== '') {
          this.callConnectionId = call;
          this.hooks.identified(this);
        }
        return;
      }
      case 'TranscriptionData':
      case 'DtmfData':
        // Before the call is known there is nothing to attach the event to.
        if (this.callConnectionId === '') return;
        this.hooks.callEvent({
          ...(message as MediaCallEvent),
          callConnectionId: this.callConnectionId,
          ...(this.correlationId !== undefined ? { correlationId: this.correlationId } : {}),
        });
        return;
      default:
        return;
    }
  }

  private onClose(peerCode: number, reason: string): void {
    const code = this.errorCloseCode ?? peerCode;
    if (!this.controller.signal.aborted) {
      this.controller.abort(new MediaStreamClosedError(this.callConnectionId, code, reason));
    }
    this.outbound.close(new MediaStreamClosedError(this.callConnectionId, code, reason));
    this.inbound.end();
    this.hooks.closed(this);
    this.resolveClosed();
  }
}

function textOf(data: RawData, isBinary: boolean): string | Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  // A text frame is UTF-8 (ws checked it); a binary one is decoded by the parser.
  return isBinary ? data : data.toString('utf8');
}
