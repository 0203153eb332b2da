import type { StreamSpeaker } from './emulated-media-stream';
import { frameBytesOf, mixFrames } from './pcm-tone';
import { SpeakerAudio } from './speaker-audio';
import { audioDataMessage, dtmfDataMessage } from './stream-messages';
import type { MediaStreamingConfig } from './streaming-config';

/** Frames a late timer may send at once to catch up with real time. */
const MAX_CATCH_UP = 5;

/** Pitches of the callers' default tones, one per participant. */
const TONES_HZ = [440, 660, 550, 770, 495];

export interface AudioFrameClockInit {
  media: MediaStreamingConfig | undefined;
  speakers: () => StreamSpeaker[];
  frameIntervalMs: number;
  frameLimit: number;
  /** Puts one message on the socket (counted under `kind`). */
  send: (message: string, kind: string) => void;
  /** After each batch of frames. */
  onFrames: () => void;
}

/**
 * The AudioData of a media stream: a frame every interval from the start, mixed or one per
 * participant, from each speaker's audio; the scripted keys as DtmfData after the first frame.
 * Real time: a timer that fires late (a busy event loop) sends the frames due, up to
 * MAX_CATCH_UP at once; frames further behind are dropped, as a live source drops them.
 */
export class AudioFrameClock {
  private readonly audioBySpeaker = new Map<string, SpeakerAudio>();
  private timer: NodeJS.Timeout | undefined;
  private sentTicks = 0;
  /** When the next frame is due (`performance.now()` time). */
  private nextFrameAt = 0;
  private isPaused = false;

  constructor(private readonly init: AudioFrameClockInit) {}

  /** Frame ticks so far. */
  get ticks(): number {
    return this.sentTicks;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  start(): void {
    const interval = Math.max(1, this.init.frameIntervalMs);
    this.nextFrameAt = performance.now() + interval;
    this.timer = setInterval(() => this.tick(), interval);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  pause(): void {
    this.isPaused = true;
  }

  resume(): void {
    this.isPaused = false;
  }

  /** The speaker's next frames carry `pcm`. */
  queue(rawId: string, pcm: Uint8Array): void {
    this.audioOf(rawId).queue(pcm);
  }

  private tick(): void {
    const now = performance.now();
    const interval = Math.max(1, this.init.frameIntervalMs);
    if (this.isPaused || now - this.nextFrameAt > interval * MAX_CATCH_UP) {
      this.nextFrameAt = now;
      if (this.isPaused) return;
    }
    let sent = 0;
    while (this.nextFrameAt <= now && sent < MAX_CATCH_UP) {
      if (this.sentTicks >= this.init.frameLimit) {
        this.stop();
        break;
      }
      this.sendFrame(new Date(performance.timeOrigin + this.nextFrameAt));
      this.nextFrameAt += interval;
      sent += 1;
    }
    if (sent > 0) this.init.onFrames();
  }

  private sendFrame(timestamp: Date): void {
    const { media, send } = this.init;
    const speakers = this.init.speakers();
    const frames = speakers.map((speaker) => ({
      rawId: speaker.rawId,
      ...this.audioOf(speaker.rawId).next(),
    }));
    if (media?.audioChannelType === 'unmixed') {
      for (const frame of frames) {
        send(audioDataMessage(frame.pcm, timestamp, frame.silent, frame.rawId), 'AudioData');
      }
    } else {
      const frameBytes = frameBytesOf(media?.sampleRate ?? 16000);
      const voiced = frames.filter((frame) => !frame.silent).map((frame) => frame.pcm);
      const pcm = voiced.length > 0 ? mixFrames(voiced, frameBytes) : Buffer.alloc(frameBytes);
      send(audioDataMessage(pcm, timestamp, voiced.length === 0), 'AudioData');
    }
    this.sentTicks += 1;
    if (this.sentTicks === 1 && media?.enableDtmfTones) {
      for (const speaker of speakers) {
        const keys = speaker.party?.script.keys ?? '';
        for (const key of keys.toUpperCase()) send(dtmfDataMessage(key), 'DtmfData');
      }
    }
  }

  private audioOf(rawId: string): SpeakerAudio {
    let audio = this.audioBySpeaker.get(rawId);
    if (!audio) {
      const sampleRate = this.init.media?.sampleRate ?? 16000;
      const speaker = this.init.speakers().find((candidate) => candidate.rawId === rawId);
      const index = this.audioBySpeaker.size;
      audio = new SpeakerAudio(
        speaker?.party?.script.audio ?? 'tone',
        sampleRate,
        frameBytesOf(sampleRate),
        TONES_HZ[index % TONES_HZ.length] ?? 440,
      );
      this.audioBySpeaker.set(rawId, audio);
    }
    return audio;
  }
}
