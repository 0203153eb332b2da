import type { ReadableSpan } from '@opentelemetry/sdk-trace';

const PREFIX = 'call_automation.';
const millis = ([seconds, nanos]: [number, number]) => seconds * 1e3 + nanos / 1e6;

/**
 * Spans as a text tree for people: start offset from the first span, duration, name, status,
 * attributes (without the `call_automation.` prefix), links; children indented under their
 * parent, siblings in start order.
 *
 * ```
 * +0.0 ms  3.1 ms  call_automation process_events  events.received=1 ...
 *   +0.9 ms  812.4 ms  call_automation handler IvrService@onIncomingCall  ...
 * ```
 */
export function renderSpanTree(spans: readonly ReadableSpan[]): string {
  const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
  const origin = Math.min(...spans.map((span) => millis(span.startTime)));
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent !== undefined && byId.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  // A linked span is named by its start offset, so that a reader can find it in the tree.
  const offsetOf = (span: ReadableSpan) => `+${(millis(span.startTime) - origin).toFixed(1)} ms`;
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    const level = [...(children.get(parent) ?? [])].sort(
      (a, b) => millis(a.startTime) - millis(b.startTime),
    );
    for (const span of level) {
      const attributes = Object.entries(span.attributes)
        .map(
          ([key, value]) => `${key.startsWith(PREFIX) ? key.slice(PREFIX.length) : key}=${value}`,
        )
        .join(' ');
      const status = span.status.code === 2 ? ` [ERROR: ${span.status.message}]` : '';
      const links = span.links
        .map((link) => byId.get(link.context.spanId))
        .map((linked) => (linked ? `  -> link: ${linked.name} at ${offsetOf(linked)}` : ''))
        .join('');
      lines.push(
        `${'  '.repeat(depth)}${offsetOf(span).padStart(11)} ${`${millis(span.duration).toFixed(1)} ms`.padStart(10)}  ${span.name}${status}  ${attributes}${links}`,
      );
      walk(span.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}
