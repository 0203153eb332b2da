/** Bytes of one 20 ms frame of 16-bit mono PCM at `sampleRate` (640 at 16 kHz, 960 at 24 kHz). */
export function frameBytesOf(sampleRate: number): number {
  return (sampleRate / 50) * 2;
}

/** One second of each tone, as 50 frames: whole-hertz tones repeat every second exactly. */
const toneCache = new Map<string, Buffer[]>();

/**
 * Frame `index` of a sine tone (16-bit little-endian mono PCM), continuous across frames, so a
 * test (or a speech engine) hears a steady tone. Each caller of a call gets its own pitch.
 * Frames are computed once per tone: a load test with hundreds of streams costs no math.
 */
export function toneFrame(sampleRate: number, frequencyHz: number, index: number): Buffer {
  const key = `${sampleRate}/${frequencyHz}`;
  let frames = toneCache.get(key);
  if (!frames) {
    const samples = sampleRate / 50;
    frames = Array.from({ length: 50 }, (_, frameIndex) => {
      const frame = Buffer.alloc(samples * 2);
      for (let sample = 0; sample < samples; sample += 1) {
        const at = frameIndex * samples + sample;
        const value = Math.sin((2 * Math.PI * Math.round(frequencyHz) * at) / sampleRate);
        frame.writeInt16LE(Math.round(value * 8000), sample * 2);
      }
      return frame;
    });
    toneCache.set(key, frames);
  }
  return frames[index % frames.length] as Buffer;
}

/** Sample-wise sum of frames of the same length, clipped to 16 bits: the mixed stream. */
export function mixFrames(frames: readonly Buffer[], frameBytes: number): Buffer {
  const mixed = Buffer.alloc(frameBytes);
  if (frames.length === 1 && frames[0]) return frames[0];
  for (let offset = 0; offset < frameBytes; offset += 2) {
    let sum = 0;
    for (const frame of frames) sum += frame.readInt16LE(offset);
    mixed.writeInt16LE(Math.max(-32768, Math.min(32767, sum)), offset);
  }
  return mixed;
}
