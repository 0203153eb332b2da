import { toneFrame } from './pcm-tone';

/** What a party's audio frames carry: a tone, silence, or PCM the test gives (then silence). */
export type PartyAudio = 'tone' | 'silence' | Uint8Array;

/** One 20 ms frame of a speaker, and whether ACS would flag it silent. */
export interface SpeakerFrame {
  pcm: Buffer;
  silent: boolean;
}

/**
 * The audio of one speaker on one stream: PCM queued by the script or the test first, then its
 * steady source (a tone of its own pitch, or silence).
 */
export class SpeakerAudio {
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  private toneIndex = 0;
  private readonly steady: 'tone' | 'silence';

  constructor(
    audio: PartyAudio,
    private readonly sampleRate: number,
    private readonly frameBytes: number,
    private readonly frequencyHz: number,
  ) {
    if (typeof audio === 'string') {
      this.steady = audio;
    } else {
      this.steady = 'silence';
      this.queue(audio);
    }
  }

  /** Plays `pcm` (16-bit mono at the stream's rate) before anything else still queued ends. */
  queue(pcm: Uint8Array): void {
    if (pcm.byteLength === 0) return;
    this.queued.push(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    this.queuedBytes += pcm.byteLength;
  }

  next(): SpeakerFrame {
    if (this.queuedBytes > 0) return { pcm: this.takeQueued(), silent: false };
    if (this.steady === 'tone') {
      return { pcm: toneFrame(this.sampleRate, this.frequencyHz, this.toneIndex++), silent: false };
    }
    return { pcm: Buffer.alloc(this.frameBytes), silent: true };
  }

  /** The next frame of queued PCM; the last one is padded with silence. */
  private takeQueued(): Buffer {
    const all = this.queued.length === 1 ? (this.queued[0] as Buffer) : Buffer.concat(this.queued);
    const frame = Buffer.alloc(this.frameBytes);
    all.copy(frame, 0, 0, Math.min(this.frameBytes, all.length));
    const rest = all.subarray(Math.min(this.frameBytes, all.length));
    this.queued = rest.length > 0 ? [rest] : [];
    this.queuedBytes = rest.length;
    return frame;
  }
}
