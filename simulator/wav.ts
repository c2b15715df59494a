/**
 * A real, playable recording for simulated calls: a few seconds of 16-bit mono PCM in a RIFF/WAVE
 * container, alternating two "voices" (tones with a syllable-like envelope) separated by short pauses, so
 * a player shows a sensible waveform and plays something.
 */

/** Sample rate of generated recordings (telephony quality). */
export const WAV_SAMPLE_RATE = 8000;

/**
 * Generates a WAV file of `seconds` seconds (default 3). Deterministic: the same arguments give the same
 * bytes. The 44-byte header follows the canonical PCM layout (`RIFF`, `WAVE`, `fmt `, `data`).
 */
export function generateWav(seconds = 3, sampleRate = WAV_SAMPLE_RATE): Buffer {
  const samples = Math.max(1, Math.round(seconds * sampleRate));
  const dataBytes = samples * 2;
  const buffer = Buffer.alloc(44 + dataBytes);
  buffer.write('RIFF', 0, 'ascii');
  buffer.writeUInt32LE(36 + dataBytes, 4);
  buffer.write('WAVE', 8, 'ascii');
  buffer.write('fmt ', 12, 'ascii');
  buffer.writeUInt32LE(16, 16); // fmt chunk size
  buffer.writeUInt16LE(1, 20); // PCM
  buffer.writeUInt16LE(1, 22); // mono
  buffer.writeUInt32LE(sampleRate, 24);
  buffer.writeUInt32LE(sampleRate * 2, 28); // byte rate
  buffer.writeUInt16LE(2, 32); // block align
  buffer.writeUInt16LE(16, 34); // bits per sample
  buffer.write('data', 36, 'ascii');
  buffer.writeUInt32LE(dataBytes, 40);

  const turn = 0.75; // seconds per speaker turn
  for (let i = 0; i < samples; i += 1) {
    const t = i / sampleRate;
    const turnIndex = Math.floor(t / turn);
    const inTurn = t - turnIndex * turn;
    const speaking = inTurn < turn - 0.15; // a pause at the end of each turn
    const base = turnIndex % 2 === 0 ? 220 : 330; // "assistant" lower, "user" higher
    const syllable = Math.abs(Math.sin(Math.PI * inTurn * 6)); // ~6 syllables a second
    const tone = Math.sin(2 * Math.PI * base * t) + 0.35 * Math.sin(2 * Math.PI * base * 2.01 * t);
    const value = speaking ? 0.35 * syllable * tone : 0;
    buffer.writeInt16LE(Math.round(Math.max(-1, Math.min(1, value)) * 32767), 44 + i * 2);
  }
  return buffer;
}
