/**
 * A session operation under way: await it for its success event. It exists before the
 * operation's request is sent, so no event of it can be missed. Its rejection is marked as
 * handled, so a handle nobody awaits never crashes the process with an unhandled rejection.
 */
export class OperationHandle<T> implements PromiseLike<T> {
  private readonly outcome: Promise<T>;

  constructor(outcome: Promise<T>) {
    this.outcome = outcome;
    outcome.catch(() => {});
  }

  // biome-ignore lint/suspicious/noThenProperty: the handle is awaitable on purpose (a thenable).
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.outcome.then(onFulfilled, onRejected);
  }

  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.outcome.catch(onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.outcome.finally(onFinally);
  }

  /** Resolves once the operation has ended, whichever way (never rejects). */
  settled(): Promise<void> {
    return this.outcome.then(
      () => undefined,
      () => undefined,
    );
  }
}

/** An operation the service can cancel (play, recognize, prompt). */
export class StoppableOperationHandle<T> extends OperationHandle<T> {
  constructor(
    outcome: Promise<T>,
    private readonly cancel: () => Promise<void>,
  ) {
    super(outcome);
  }

  /**
   * Cancels the operation and resolves once it has ended (its handle then rejects with
   * `CallOperationFailedError` for PlayCanceled / RecognizeCanceled). ACS cancels media
   * operations per call only: this cancels every media operation of the call.
   */
  async stop(): Promise<void> {
    await this.cancel();
    await this.settled();
  }
}
