import { resolveEntraAuth } from '../security/resolve-entra-auth';
import type { ResolvedIncomingCallAuth } from './call-automation-options.interface';
import { fail, knownKeys, objectOption } from './option-checks';
import { resolveQuerySecret } from './resolve-query-secret';

/** `incomingCallAuth`: the protection of the Event Grid route (a secret, an Entra token or both). */
export function resolveIncomingCallAuth(value: unknown): ResolvedIncomingCallAuth {
  const input = objectOption(value, 'incomingCallAuth', '{ secret?, entra? }');
  knownKeys(input, 'incomingCallAuth', ['secret', 'entra']);
  if (input.secret === undefined && input.entra === undefined) {
    fail('incomingCallAuth needs secret, entra or both (leave incomingCallAuth out for none)');
  }
  const resolved: ResolvedIncomingCallAuth = {};
  if (input.secret !== undefined) {
    resolved.secret = resolveQuerySecret(input.secret, 'incomingCallAuth.secret');
  }
  if (input.entra !== undefined) resolved.entra = resolveEntraAuth(input.entra);
  return resolved;
}
