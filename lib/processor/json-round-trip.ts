/**
 * Whether `JSON.parse(JSON.stringify(value))` gives back a value deep-equal to `value`, for a
 * value that `JSON.stringify` accepted (no cycle, no BigInt). JSON turns Infinity, NaN and -0
 * into null and 0, undefined, functions and symbols in arrays into null, drops functions and
 * symbols in objects, and writes objects that are not plain by their own rules (a Date becomes
 * a string, a Map `{}`). Iterative, so nesting as deep as JSON.stringify took costs no stack.
 */
export function survivesJson(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current === 'number') {
      if (!Number.isFinite(current) || Object.is(current, -0)) return false;
    } else if (typeof current === 'object' && current !== null) {
      if (Array.isArray(current)) {
        for (const item of current) {
          if (item === undefined || !keepsType(item)) return false;
          pending.push(item);
        }
      } else {
        const prototype: unknown = Object.getPrototypeOf(current);
        if (prototype !== Object.prototype && prototype !== null) return false;
        for (const item of Object.values(current)) {
          if (!keepsType(item)) return false;
          pending.push(item);
        }
      }
    } else if (!keepsType(current)) return false;
  }
  return true;
}

/** JSON writes strings, numbers, booleans, null and objects; it leaves out an undefined field. */
function keepsType(value: unknown): boolean {
  const type = typeof value;
  return type !== 'function' && type !== 'symbol' && type !== 'bigint';
}
