import { ON_CALL_EVENT_METADATA } from '../constants';

/** What one `@OnCallEvent` stores on its method. */
export interface OnCallEventMetadata {
  kinds: readonly string[];
}

/**
 * Runs the method for every event of these kinds, of every call. `'*'` matches every kind;
 * `'IncomingCall'` receives Event Grid incoming calls. Stacked decorators add up.
 *
 * The method gets `(event, metadata)`: the SDK's parsed event and its CloudEvent envelope.
 * It may be async; what it throws is logged and stops neither the other handlers nor the
 * webhook's answer.
 */
export function OnCallEvent(kind: string | readonly string[]): MethodDecorator {
  const kinds = typeof kind === 'string' ? [kind] : [...kind];
  if (kinds.length === 0 || kinds.some((entry) => typeof entry !== 'string' || entry === '')) {
    throw new TypeError(
      `@OnCallEvent needs an event kind such as 'PlayCompleted' (or a non-empty list of them, or '*'), got ${JSON.stringify(kind)}.`,
    );
  }
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const previous: OnCallEventMetadata[] =
      Reflect.getMetadata(ON_CALL_EVENT_METADATA, method) ?? [];
    Reflect.defineMetadata(ON_CALL_EVENT_METADATA, [...previous, { kinds }], method);
    return descriptor;
  };
}
