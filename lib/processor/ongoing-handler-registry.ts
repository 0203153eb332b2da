import type { AnyCallEvent, CallEventMetadata } from '../events/call-event.types';

/** A handler attached with `attachOngoingEventProcessor`. */
export type OngoingEventHandler<E = AnyCallEvent> = (
  event: E,
  metadata: CallEventMetadata,
) => unknown;

interface Attachment {
  readonly sequence: number;
  readonly handler: OngoingEventHandler;
  /** The kinds it still runs for: detaching a kind takes it out of here. */
  readonly kinds: Set<string>;
}

/**
 * Handlers attached to one call, keyed by (callConnectionId, kind). Each attachment is its own
 * entry: attaching twice adds a second handler, and each detach function removes only its own
 * (the reference keeps one handler per key and leaks the replaced one). Detaching by kind takes
 * that kind out of the call's attachments; an attachment made for several kinds keeps running
 * for the others.
 */
export class OngoingHandlerRegistry {
  /** callConnectionId -> kind ('*' for every kind) -> attachments, in attach order. */
  private readonly calls = new Map<string, Map<string, Set<Attachment>>>();
  private sequence = 0;

  get callCount(): number {
    return this.calls.size;
  }

  attach(
    callConnectionId: string,
    kinds: readonly string[],
    handler: OngoingEventHandler,
  ): () => void {
    const attachment: Attachment = { sequence: this.sequence++, handler, kinds: new Set(kinds) };
    let byKind = this.calls.get(callConnectionId);
    if (byKind === undefined) {
      byKind = new Map();
      this.calls.set(callConnectionId, byKind);
    }
    for (const kind of attachment.kinds) {
      let set = byKind.get(kind);
      if (set === undefined) {
        set = new Set();
        byKind.set(kind, set);
      }
      set.add(attachment);
    }
    return () => this.remove(callConnectionId, attachment);
  }

  /**
   * Detaches every handler of the call, or takes the given kinds out of its attachments: one
   * made for `['PlayCompleted', 'PlayFailed']` keeps running for PlayFailed after
   * `detach(call, ['PlayCompleted'])`, and is gone once none of its kinds is left. `'*'` is a
   * kind of its own here: it detaches the attachments made for `'*'`, and detaching a named
   * kind leaves them whole.
   */
  detach(callConnectionId: string, kinds?: readonly string[]): void {
    const byKind = this.calls.get(callConnectionId);
    if (byKind === undefined) return;
    if (kinds === undefined) {
      this.calls.delete(callConnectionId);
      return;
    }
    for (const kind of kinds) {
      const attachments = byKind.get(kind);
      if (attachments === undefined) continue;
      byKind.delete(kind);
      for (const attachment of attachments) attachment.kinds.delete(kind);
    }
    if (byKind.size === 0) this.calls.delete(callConnectionId);
  }

  /** The handlers that want this event, in attach order. */
  handlersFor(event: AnyCallEvent): OngoingEventHandler[] {
    const call = event.callConnectionId;
    if (typeof call !== 'string') return [];
    const byKind = this.calls.get(call);
    if (byKind === undefined) return [];
    const exact = byKind.get(event.kind);
    const any = byKind.get('*');
    if (exact === undefined || any === undefined) {
      const only = exact ?? any;
      return only === undefined ? [] : [...only].map((attachment) => attachment.handler);
    }
    return [...new Set([...exact, ...any])]
      .sort((a, b) => a.sequence - b.sequence)
      .map((attachment) => attachment.handler);
  }

  clear(): void {
    this.calls.clear();
  }

  private remove(callConnectionId: string, attachment: Attachment): void {
    const byKind = this.calls.get(callConnectionId);
    if (byKind === undefined) return;
    for (const kind of attachment.kinds) {
      const set = byKind.get(kind);
      if (set?.delete(attachment) && set.size === 0) byKind.delete(kind);
    }
    if (byKind.size === 0) this.calls.delete(callConnectionId);
  }
}
