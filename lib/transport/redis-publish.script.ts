import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { STREAM_START_ID } from './stream-id';

/**
 * Hands one batch over in a single atomic step, so that a failure leaves no trace that would
 * turn a redelivery into a "duplicate":
 * 1. forgets ids older than the dedupe ttl (a sorted set scored by expiry time, in µs),
 * 2. keeps the events whose CloudEvent id is neither remembered nor earlier in this batch,
 * 3. appends them as one stream entry (`e` = JSON array of CloudEvents), creating the stream
 *    with the handlers' consumer group first when it does not exist (after a Redis restart
 *    without persistence, so that the group gets every entry); the stream keeps
 *    about `maxEntries` entries and, on Redis 6.2 or later, none older than `retentionMs`
 *    (approximate trims: whole internal nodes),
 * 4. only then remembers their ids, keeping at most `maxIds` (the oldest go first).
 *
 * KEYS: stream, seen-ids. ARGV: ttlMs, maxIds, maxEntries, retentionMs, group, n, id1..idn,
 * json1..jsonn.
 * Returns { previous entry id ('0-0' for an empty stream), new entry id ('' when none is
 * new), flags (1 = new, 0 = duplicate) }.
 */
export const PUBLISH_SCRIPT = `
local stream, seen = KEYS[1], KEYS[2]
local ttl, maxIds, maxEntries = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local retention, group, n = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local dedupe = ttl > 0 and maxIds > 0
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
-- Expiry scores in microseconds: ids of consecutive hand-overs never tie, so past maxIds
-- the oldest really go first (ties, sorted by id, only within one hand-over).
local nowUs = tonumber(time[1]) * 1000000 + tonumber(time[2])
if dedupe then redis.call('ZREMRANGEBYSCORE', seen, '-inf', string.format('%.0f', nowUs)) end
local flags, fresh, freshIds, inBatch = {}, {}, {}, {}
for i = 1, n do
  local id = ARGV[6 + i]
  if dedupe and (inBatch[id] or redis.call('ZSCORE', seen, id)) then
    flags[i] = 0
  else
    inBatch[id] = true
    flags[i] = 1
    fresh[#fresh + 1] = ARGV[6 + n + i]
    freshIds[#freshIds + 1] = id
  end
end
if #fresh == 0 then return { '', '', flags } end
local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
local previous = '${STREAM_START_ID}'
if last[1] then previous = last[1][1] end
if redis.call('EXISTS', stream) == 0 then
  redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
end
local entry = redis.call('XADD', stream, 'MAXLEN', '~', maxEntries, '*', 'e', '[' .. table.concat(fresh, ',') .. ']')
-- Redis < 6.2 has no MINID: there the MAXLEN bound alone holds.
redis.pcall('XTRIM', stream, 'MINID', '~', string.format('%.0f', now - retention))
if dedupe then
  local expiresAt = string.format('%.0f', nowUs + ttl * 1000)
  for i = 1, #freshIds do redis.call('ZADD', seen, expiresAt, freshIds[i]) end
  local extra = redis.call('ZCARD', seen) - maxIds
  if extra > 0 then redis.call('ZREMRANGEBYRANK', seen, 0, extra - 1) end
end
return { previous, entry, flags }
`;

const SCRIPT_SHA = createHash('sha1').update(PUBLISH_SCRIPT).digest('hex');

export interface PublishScriptInput {
  streamKey: string;
  seenKey: string;
  dedupeTtlMs: number;
  maxDedupeIds: number;
  maxStreamEntries: number;
  streamRetentionMs: number;
  /** The handlers' consumer group, created with the stream. */
  group: string;
  ids: readonly string[];
  payloads: readonly string[];
}

export interface PublishScriptResult {
  /** One flag per event: true when it was new (and is now in the stream). */
  fresh: boolean[];
  /** The stream entry that holds the new events; undefined when all were duplicates. */
  entryId: string | undefined;
  /** The entry right before it in the stream (`0-0` when it is the first one). */
  previousId: string;
}

/** Runs the script by its hash, loading it once when Redis does not know it (after a restart). */
export async function runPublishScript(
  client: Redis,
  input: PublishScriptInput,
): Promise<PublishScriptResult> {
  const args = [
    '2',
    input.streamKey,
    input.seenKey,
    String(input.dedupeTtlMs),
    String(input.maxDedupeIds),
    String(input.maxStreamEntries),
    String(input.streamRetentionMs),
    input.group,
    String(input.ids.length),
    ...input.ids,
    ...input.payloads,
  ];
  let reply: unknown;
  try {
    reply = await client.call('EVALSHA', SCRIPT_SHA, ...args);
  } catch (error) {
    if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
    reply = await client.call('EVAL', PUBLISH_SCRIPT, ...args);
  }
  return readReply(reply, input.ids.length);
}

function readReply(reply: unknown, count: number): PublishScriptResult {
  if (!Array.isArray(reply) || reply.length !== 3 || !Array.isArray(reply[2])) {
    throw new Error(`unexpected reply of the publish script: ${JSON.stringify(reply)}`);
  }
  const [previousId, entryId, flags] = reply as [unknown, unknown, unknown[]];
  if (flags.length !== count) {
    throw new Error(`the publish script answered ${flags.length} flags for ${count} events`);
  }
  return {
    fresh: flags.map((flag) => Number(flag) === 1),
    entryId: typeof entryId === 'string' && entryId !== '' ? entryId : undefined,
    previousId: typeof previousId === 'string' && previousId !== '' ? previousId : STREAM_START_ID,
  };
}
