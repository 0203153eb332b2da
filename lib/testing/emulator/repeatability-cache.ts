import type { RestResponse } from './rest-response';

/**
 * Idempotency by `Repeatability-Request-ID`, as the service offers it: a request whose id was
 * seen before gets the first answer again, without running again (no second call, no second
 * events). A first answer of 5xx means "not processed", so a retry runs afresh. A retry that
 * arrives while the first is still running waits for its answer.
 */
export class RepeatabilityCache {
  private readonly answers = new Map<string, Promise<RestResponse>>();

  /** The key of a request, or undefined when it carries no repeatability id. */
  static keyOf(
    method: string,
    pathname: string,
    requestId: string | undefined,
  ): string | undefined {
    return requestId ? `${method} ${pathname} ${requestId}` : undefined;
  }

  /** The earlier answer to a request with this key, if any. */
  earlier(key: string | undefined): Promise<RestResponse> | undefined {
    return key === undefined ? undefined : this.answers.get(key);
  }

  /** Remembers the answer of the first request with this key. */
  remember(key: string | undefined, answer: Promise<RestResponse>): void {
    if (key === undefined) return;
    this.answers.set(key, answer);
    answer.then(
      (response) => {
        if (response.status >= 500) this.answers.delete(key);
      },
      () => this.answers.delete(key),
    );
  }
}
