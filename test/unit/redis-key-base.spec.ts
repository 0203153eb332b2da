import { describe, expect, it } from 'vitest';
import { redisKeyBase } from '../../lib/transport/redis-key-base';

describe('redisKeyBase', () => {
  it('keeps the prefix of standalone and Sentinel deployments as it is', () => {
    expect(redisKeyBase('acs:', false)).toBe('acs:');
  });
  it('makes the prefix a hash tag on a cluster, unless it holds one', () => {
    expect(redisKeyBase('acs:', true)).toBe('{acs:}');
    expect(redisKeyBase('app:{acs}:', true)).toBe('app:{acs}:');
    expect(redisKeyBase('odd{}:', true)).toBe('{odd{}:}');
  });
});
