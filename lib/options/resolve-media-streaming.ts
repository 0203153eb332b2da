import { DEFAULT_MAX_MEDIA_MESSAGE_BYTES, DEFAULT_MEDIA_STREAMING_PATH } from '../constants';
import { describeValue } from '../events/event-filter';
import type { ResolvedMediaStreamingOptions } from './call-automation-options.interface';
import { count, fail, knownKeys, objectOption, routePath } from './option-checks';

const KEYS = ['path', 'publicUrl', 'maxMessageBytes'];

/** `mediaStreaming`: the WebSocket route, the URL ACS reaches it at, the message limit. */
export function resolveMediaStreaming(value: unknown): ResolvedMediaStreamingOptions {
  const input = objectOption(value, 'mediaStreaming', '{ path?, publicUrl?, maxMessageBytes? }');
  knownKeys(input, 'mediaStreaming', KEYS);
  const resolved: ResolvedMediaStreamingOptions = {
    path: routePath(input.path, 'mediaStreaming.path', DEFAULT_MEDIA_STREAMING_PATH),
    maxMessageBytes: count(
      input.maxMessageBytes,
      'mediaStreaming.maxMessageBytes',
      DEFAULT_MAX_MEDIA_MESSAGE_BYTES,
    ),
  };
  if (resolved.maxMessageBytes < 1) fail('mediaStreaming.maxMessageBytes must be at least 1');
  if (input.publicUrl !== undefined) resolved.publicUrl = webSocketUrl(input.publicUrl);
  return resolved;
}

function webSocketUrl(value: unknown): string {
  if (typeof value === 'string') {
    try {
      const url = new URL(value);
      if (url.protocol === 'wss:' || url.protocol === 'ws:') return value;
    } catch {
      // reported below
    }
  }
  return fail(
    `mediaStreaming.publicUrl must be an absolute wss:// (or ws://) URL such as 'wss://example.com/api/media', got ${describeValue(value)}`,
  );
}
