import { describeValue } from '../events/event-filter';
import { DEFAULT_QUERY_SECRET_NAME, MIN_QUERY_SECRET_LENGTH } from '../security/security-defaults';
import type { ResolvedQuerySecret } from './call-automation-options.interface';
import { fail, knownKeys, objectOption } from './option-checks';

const SECRET_VALUE = /^[A-Za-z0-9._~-]+$/;
const PARAMETER_NAME = /^[A-Za-z0-9._~-]+$/;

/** `callbackSecret` or `incomingCallAuth.secret`: `{ value, name? }`. */
export function resolveQuerySecret(value: unknown, name: string): ResolvedQuerySecret {
  const input = objectOption(value, name, '{ value, name? }');
  knownKeys(input, name, ['value', 'name']);
  const values = typeof input.value === 'string' ? [input.value] : input.value;
  if (
    !Array.isArray(values) ||
    values.length === 0 ||
    values.some(
      (secret) =>
        typeof secret !== 'string' ||
        secret.length < MIN_QUERY_SECRET_LENGTH ||
        !SECRET_VALUE.test(secret),
    )
  ) {
    fail(
      `${name}.value must be a secret of at least ${MIN_QUERY_SECRET_LENGTH} URL-safe characters (A-Z a-z 0-9 - . _ ~), or a non-empty list of them; generate one with crypto.randomBytes(32).toString('base64url')`,
    );
  }
  const parameter = input.name === undefined ? DEFAULT_QUERY_SECRET_NAME : input.name;
  if (typeof parameter !== 'string' || !PARAMETER_NAME.test(parameter)) {
    fail(
      `${name}.name must be a query parameter name of URL-safe characters such as '${DEFAULT_QUERY_SECRET_NAME}', got ${describeValue(input.name)}`,
    );
  }
  return { name: parameter, values: [...(values as string[])] };
}
