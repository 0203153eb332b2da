/**
 * What a demo caller's microphone picks up before they speak their choice: half a second of a
 * 440 Hz tone, 16 kHz 16-bit mono PCM (25 frames of 20 ms), which the voice menu's echo plays
 * back to them. The emulator streams it, then silence.
 */
export function callerVoice(): Buffer {
  const sampleRate = 16_000;
  const samples = sampleRate / 2;
  const pcm = Buffer.alloc(samples * 2);
  for (let index = 0; index < samples; index++) {
    const value = Math.round(8_000 * Math.sin((2 * Math.PI * 440 * index) / sampleRate));
    pcm.writeInt16LE(value, index * 2);
  }
  return pcm;
}
