import type { RawData } from 'ws';

/** A message the app sent on the socket, in arrival order. */
export interface EmulatedStreamMessage {
  /** Its `kind` as sent (`AudioData`, `StopAudio`; the SDK's helpers write `audioData`, `stopAudio`). */
  kind?: string;
  text: string;
  /** The parsed JSON, when it was JSON. */
  json?: unknown;
  at: Date;
}

/**
 * What the app sent back on one socket, for assertions: its messages in order, the outbound
 * PCM decoded, StopAudio counted. Only the first `limit` messages (and their audio) are kept, so
 * a load test's echo cannot fill the memory; the counters count everything.
 */
export class AppMessageRecord {
  readonly messages: EmulatedStreamMessage[] = [];
  private readonly audio: Buffer[] = [];
  total = 0;
  audioMessages = 0;
  audioBytes = 0;
  stopAudio = 0;

  constructor(private readonly limit: number) {}

  /** The PCM kept, concatenated. */
  get outboundAudio(): Buffer {
    return Buffer.concat(this.audio);
  }

  add(data: RawData, isBinary: boolean): void {
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data as ArrayBuffer).toString('utf8');
    let json: unknown;
    try {
      json = isBinary ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    const kind =
      typeof json === 'object' &&
      json !== null &&
      typeof (json as { kind?: unknown }).kind === 'string'
        ? (json as { kind: string }).kind
        : undefined;
    this.total += 1;
    const keep = this.messages.length < this.limit;
    if (keep) this.messages.push({ kind, text, json, at: new Date() });
    // Outbound messages are matched without regard to case: the docs write `AudioData` and
    // `StopAudio`, the SDK's createOutbound* helpers `audioData` and `stopAudio`.
    if (kind?.toLowerCase() === 'audiodata') {
      const payload = (json as { audioData?: { data?: unknown } }).audioData?.data;
      const pcm = typeof payload === 'string' ? Buffer.from(payload, 'base64') : Buffer.alloc(0);
      if (keep) this.audio.push(pcm);
      this.audioMessages += 1;
      this.audioBytes += pcm.length;
    } else if (kind?.toLowerCase() === 'stopaudio') {
      this.stopAudio += 1;
    }
  }
}
