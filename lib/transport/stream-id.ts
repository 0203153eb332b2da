/** Id of a stream that has no entry yet: every real entry comes after it. */
export const STREAM_START_ID = '0-0';

/**
 * Orders two Redis stream ids (`<milliseconds>-<sequence>`, decimal without leading zeros):
 * negative when `a` comes first, zero when equal, positive when `a` comes later. Compares the
 * digits as text, so sequences past 2^53 stay exact.
 */
export function compareStreamIds(a: string, b: string): number {
  if (a === b) return 0;
  const aDash = a.indexOf('-');
  const bDash = b.indexOf('-');
  return (
    compareDigits(a.slice(0, aDash), b.slice(0, bDash)) ||
    compareDigits(a.slice(aDash + 1), b.slice(bDash + 1))
  );
}

function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
