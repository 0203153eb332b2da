/**
 * What every key of the bus starts with. On a Redis Cluster the hand-over script's keys must
 * share a slot, so the prefix becomes a hash tag (`acs:` -> `{acs:}`) unless it already holds
 * one (`app:{acs}:` is kept). Standalone and Sentinel keep the prefix as it is: the keys of
 * existing deployments do not change.
 */
export function redisKeyBase(keyPrefix: string, cluster: boolean): string {
  if (!cluster || /\{[^}]+\}/.test(keyPrefix)) return keyPrefix;
  return `{${keyPrefix}}`;
}
