/** The tone names the service uses for each DTMF key. */
const TONE_NAMES: Record<string, string> = {
  '0': 'zero',
  '1': 'one',
  '2': 'two',
  '3': 'three',
  '4': 'four',
  '5': 'five',
  '6': 'six',
  '7': 'seven',
  '8': 'eight',
  '9': 'nine',
  '*': 'asterisk',
  '#': 'pound',
  A: 'a',
  B: 'b',
  C: 'c',
  D: 'd',
};

/** `'12#'` → `['one', 'two', 'pound']`; throws on a character that is no DTMF tone. */
export function tonesOf(keys: string): string[] {
  return [...keys.toUpperCase()].map((key) => {
    const tone = TONE_NAMES[key];
    if (!tone) throw new Error(`"${key}" is not a DTMF key (use 0-9, *, #, A-D).`);
    return tone;
  });
}

/** Every tone name (`'zero'`…`'nine'`, `'a'`…`'d'`, `'pound'`, `'asterisk'`). */
export const DTMF_TONE_NAMES: ReadonlySet<string> = new Set(Object.values(TONE_NAMES));
