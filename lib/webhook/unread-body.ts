/**
 * Why a body read ahead of the route has no bytes: past the limit, its upload broke off, or
 * it did not decode as its Content-Encoding says.
 */
export interface UnreadBody {
  tooLarge?: true;
  readFailed?: true;
  undecodable?: string;
}

/** Unread-body markers share a prototype so no parsed JSON body can pass for one. */
const UNREAD_BODY_PROTO = Object.freeze(Object.create(null));

export function unreadBody(reason: UnreadBody): UnreadBody {
  return Object.assign(Object.create(UNREAD_BODY_PROTO), reason);
}

export function isUnreadBody(value: unknown): value is UnreadBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Buffer.isBuffer(value) &&
    Object.getPrototypeOf(value) === UNREAD_BODY_PROTO
  );
}
