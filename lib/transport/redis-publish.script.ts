import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-target';
import { STREAM_START_ID } from './stream-id';

/**
 * Hands one batch over in a single atomic step, so that a failure leaves no trace that would
 * turn a redelivery into a "duplicate":
 * 1. forgets ids older than the dedupe ttl (a sorted set scored by expiry time, in µs),
 * 2. keeps the events whose CloudEvent id is neither remembered nor earlier in this batch,
 * 3. appends them as one stream entry (`e` = JSON array of CloudEvents), creating the stream
 *    with the handlers' consumer group first when it does not exist (after a Redis restart
 *    without persistence, so that the group gets every entry),
 * 4. trims the stream, oldest entries first, to at most `maxEntries` entries, `maxBytes`
 *    bytes of event JSON, none older than `retentionMs` (the newest entry always stays):
 *    a list (`sizes`, one "<entry id> <bytes>" per entry, in stream order) and a counter
 *    (`bytes`) track what the stream holds, and one exact XTRIM MINID (Redis 6.2+) cuts,
 * 5. only then remembers their ids, keeping at most `maxIds` (the oldest go first).
 *
 * KEYS: stream, seen-ids, sizes, bytes. ARGV: ttlMs, maxIds, maxEntries, retentionMs,
 * maxBytes, group, n, id1..idn, json1..jsonn.
 * Returns { previous entry id ('0-0' for an empty stream), new entry id ('' when none is
 * new), flags (1 = new, 0 = duplicate) }.
 */
export const PUBLISH_SCRIPT = `
local stream, seen, sizes, bytes = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local ttl, maxIds, maxEntries = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local retention, maxBytes = tonumber(ARGV[4]), tonumber(ARGV[5])
local group, n = ARGV[6], tonumber(ARGV[7])
local dedupe = ttl > 0 and maxIds > 0
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
-- Expiry scores in microseconds: ids of consecutive hand-overs never tie, so past maxIds
-- the oldest really go first (ties, sorted by id, only within one hand-over).
local nowUs = tonumber(time[1]) * 1000000 + tonumber(time[2])
if dedupe then redis.call('ZREMRANGEBYSCORE', seen, '-inf', string.format('%.0f', nowUs)) end
local flags, fresh, freshIds, inBatch = {}, {}, {}, {}
for i = 1, n do
  local id = ARGV[7 + i]
  if dedupe and (inBatch[id] or redis.call('ZSCORE', seen, id)) then
    flags[i] = 0
  else
    inBatch[id] = true
    flags[i] = 1
    fresh[#fresh + 1] = ARGV[7 + n + i]
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
local payload = '[' .. table.concat(fresh, ',') .. ']'
local entry = redis.call('XADD', stream, '*', 'e', payload)
redis.call('RPUSH', sizes, entry .. ' ' .. #payload)
local total = redis.call('INCRBY', bytes, #payload)
local count = redis.call('LLEN', sizes)
local oldest, trimmed = now - retention, false
while count > 1 do
  local head = redis.call('LINDEX', sizes, 0)
  local space = string.find(head, ' ', 1, true)
  local headMs = tonumber(string.sub(head, 1, string.find(head, '-', 1, true) - 1))
  if total <= maxBytes and count <= maxEntries and headMs >= oldest then break end
  redis.call('LPOP', sizes)
  total = redis.call('DECRBY', bytes, tonumber(string.sub(head, space + 1)))
  count = count - 1
  trimmed = true
end
if trimmed then
  local head = redis.call('LINDEX', sizes, 0)
  redis.call('XTRIM', stream, 'MINID', string.sub(head, 1, string.find(head, ' ', 1, true) - 1))
end
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
  /** List of "<entry id> <bytes>", one per stream entry, in stream order. */
  sizesKey: string;
  /** Bytes of event JSON the stream holds (the sum of `sizesKey`). */
  bytesKey: string;
  dedupeTtlMs: number;
  maxDedupeIds: number;
  maxStreamEntries: number;
  streamRetentionMs: number;
  maxStreamBytes: number;
  /** The handlers' consumer group, created with the stream. */
  group: string;
  ids: readonly string[];
  payloads: readonly string[];
  /**
   * When > 0: `WAIT` for this many replicas right after the script, in the same round trip
   * (one pipeline), waiting at most `waitTimeoutMs`.
   */
  waitForReplicas?: number;
  waitTimeoutMs?: number;
}

export interface PublishScriptResult {
  /** One flag per event: true when it was new (and is now in the stream). */
  fresh: boolean[];
  /** The stream entry that holds the new events; undefined when all were duplicates. */
  entryId: string | undefined;
  /** The entry right before it in the stream (`0-0` when it is the first one). */
  previousId: string;
  /** With `waitForReplicas`: how many replicas confirmed the write (WAIT's reply). */
  replicas?: number;
}

/** Runs the script by its hash, loading it once when Redis does not know it (after a restart). */
export async function runPublishScript(
  client: RedisClient,
  input: PublishScriptInput,
): Promise<PublishScriptResult> {
  const args = [
    '4',
    input.streamKey,
    input.seenKey,
    input.sizesKey,
    input.bytesKey,
    String(input.dedupeTtlMs),
    String(input.maxDedupeIds),
    String(input.maxStreamEntries),
    String(input.streamRetentionMs),
    String(input.maxStreamBytes),
    input.group,
    String(input.ids.length),
    ...input.ids,
    ...input.payloads,
  ];
  const waitFor = input.waitForReplicas ?? 0;
  if (waitFor === 0) {
    let reply: unknown;
    try {
      reply = await client.call('EVALSHA', SCRIPT_SHA, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      reply = await client.call('EVAL', PUBLISH_SCRIPT, ...args);
    }
    return readReply(reply, input.ids.length);
  }
  // A pipeline: the script and WAIT leave together (one round trip), and on a cluster the
  // keyless WAIT goes to the node of the script's keys.
  const waitArgs = [String(waitFor), String(input.waitTimeoutMs ?? 0)];
  let replies = await client
    .pipeline()
    .call('EVALSHA', SCRIPT_SHA, ...args)
    .call('WAIT', ...waitArgs)
    .exec();
  if (isNoScript(replies?.[0]?.[0])) {
    replies = await client
      .pipeline()
      .call('EVAL', PUBLISH_SCRIPT, ...args)
      .call('WAIT', ...waitArgs)
      .exec();
  }
  const [script, wait] = replies ?? [];
  if (script?.[0]) throw script[0];
  if (wait?.[0]) throw wait[0];
  return { ...readReply(script?.[1], input.ids.length), replicas: Number(wait?.[1]) };
}

function isNoScript(error: unknown): boolean {
  return String((error as Error | undefined)?.message).startsWith('NOSCRIPT');
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
