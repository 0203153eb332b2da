import type { WebSocket } from 'ws';

interface QueuedMessage {
  text: string;
  resolve(): void;
  reject(error: Error): void;
}

/** ACS's StopAudio message: stop playing what it was sent. */
export const STOP_AUDIO_MESSAGE = '{"kind":"StopAudio","audioData":null,"stopAudio":{}}';

/** ACS's outbound AudioData message for a PCM buffer. */
export function outboundAudioMessage(pcm: Uint8Array): string {
  const base64 = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString('base64');
  return `{"kind":"AudioData","audioData":{"data":"${base64}"}}`;
}

/**
 * Bidirectional streaming's outbound half for one socket: messages go to the socket while its
 * own buffer (`bufferedAmount`) is below `highWaterBytes`; past it they wait here, at most
 * `maxQueuedBytes` of them (beyond that `send` rejects: the peer is not reading, and memory must
 * not grow). A message's promise resolves once the socket has written it out.
 */
export class OutboundAudioSender {
  private readonly queue: QueuedMessage[] = [];
  private queuedBytes = 0;
  private waitingForDrain = false;
  private closedError: Error | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly highWaterBytes: number,
    private readonly maxQueuedBytes: number,
  ) {}

  /** Bytes of messages waiting for the socket's buffer to drain. */
  get queued(): number {
    return this.queuedBytes;
  }

  send(text: string): Promise<void> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    if (this.queue.length > 0 || this.socket.bufferedAmount >= this.highWaterBytes) {
      if (this.queuedBytes + text.length > this.maxQueuedBytes) {
        return Promise.reject(
          new Error(
            `The media stream's outbound queue is full (${this.maxQueuedBytes} bytes waiting for ACS to read): await each sendAudio before sending more.`,
          ),
        );
      }
      return new Promise((resolve, reject) => {
        this.queue.push({ text, resolve, reject });
        this.queuedBytes += text.length;
        this.waitForDrain();
      });
    }
    return this.write(text);
  }

  /** Sends a control message at once, ahead of queued audio (StopAudio). */
  sendNow(text: string): void {
    if (this.closedError === undefined) this.socket.send(text);
  }

  /** Drops the audio not yet handed to the socket; its promises resolve (nothing left to wait for). */
  dropQueued(): void {
    for (const message of this.queue.splice(0)) message.resolve();
    this.queuedBytes = 0;
  }

  /** The socket closed: queued and later messages reject with `error`. */
  close(error: Error): void {
    this.closedError = error;
    for (const message of this.queue.splice(0)) message.reject(error);
    this.queuedBytes = 0;
  }

  private write(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.send(text, (error) => (error ? reject(error) : resolve()));
    });
  }

  private waitForDrain(): void {
    if (this.waitingForDrain) return;
    // ws's underlying net.Socket says when its buffer has drained; ws itself does not.
    const raw = (this.socket as unknown as { _socket?: NodeJS.EventEmitter })._socket;
    if (raw === undefined) return;
    this.waitingForDrain = true;
    raw.once('drain', () => {
      this.waitingForDrain = false;
      this.pump();
    });
    // The buffer may already be below the mark (the check above raced a write callback).
    queueMicrotask(() => {
      if (this.socket.bufferedAmount < this.highWaterBytes) this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.closedError === undefined) {
      if (this.socket.bufferedAmount >= this.highWaterBytes) {
        this.waitForDrain();
        return;
      }
      const message = this.queue.shift() as QueuedMessage;
      this.queuedBytes -= message.text.length;
      this.write(message.text).then(message.resolve, message.reject);
    }
  }
}
