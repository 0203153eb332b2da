import type { CallDisconnected } from '@azure/communication-call-automation';
import { CallAutomationShutdownError } from '../errors/call-automation-shutdown.error';
import { CallAutomationTimeoutError } from '../errors/call-automation-timeout.error';
import type { AnyCallEvent } from '../events/call-event.types';
import { operationContextOf } from '../events/event-filter';
import type { EventResult } from './event-result';
import type { QueueItem } from './fifo-queue';
import { startTimer } from './timer';
import { checkTimeout, type WaitOptions } from './waiter';

/** What an operation waits for: registered before its request is sent. */
export interface OperationSpec {
  operationContext: string;
  /** Unknown for createCall/answerCall/connectCall until the service answers. */
  callConnectionId?: string;
  successKinds: readonly string[];
  failureKinds: readonly string[];
  /** e.g. `playToAll on call c1`; used in error messages. */
  name: string;
}

/** Told once how an operation ended: its span and duration (lib/observability). @internal */
export interface OperationObserver {
  settled(result: EventResult): void;
  failed(error: unknown): void;
  timedOut(timeoutMs: number): void;
}

interface PendingWait {
  resolve(result: EventResult): void;
  reject(error: unknown): void;
  dispose(): void;
}

/**
 * One operation from the moment its request is sent until its outcome event: the outcome is
 * kept even when it arrives before anyone calls `waitForEventProcessor`, and any number of
 * waits (each with its own timeout and signal) share it.
 */
export class PendingOperation implements QueueItem {
  /** Left the registry's expiry queue (settled, or its retention time is over). */
  removed = false;
  private result: EventResult | undefined;
  private error: unknown;
  private readonly waits = new Set<PendingWait>();
  private readonly successKinds: ReadonlySet<string>;
  private readonly failureKinds: ReadonlySet<string>;
  /** Set by the registry: called once the operation no longer needs matching. @internal */
  onDone: (operation: PendingOperation) => void = () => {};
  /** Its retention time (the default timeout, from the request) has passed with no outcome. */
  private expired = false;
  /** @internal */
  readonly registeredAt = Date.now();
  /** @internal */
  observer: OperationObserver | undefined;

  constructor(
    readonly spec: OperationSpec,
    private readonly defaultTimeoutMs: number,
  ) {
    this.successKinds = new Set(spec.successKinds);
    this.failureKinds = new Set(spec.failureKinds);
  }

  get operationContext(): string {
    return this.spec.operationContext;
  }

  get callConnectionId(): string | undefined {
    return this.spec.callConnectionId;
  }

  /** @internal */
  set callConnectionId(callConnectionId: string | undefined) {
    this.spec.callConnectionId = callConnectionId;
  }

  get isSettled(): boolean {
    return this.result !== undefined || this.error !== undefined;
  }

  /** @internal */
  get waitCount(): number {
    return this.waits.size;
  }

  /** Describes what is awaited: `PlayCompleted|PlayFailed of playToAll on call c1 (operationContext op1)`. */
  get description(): string {
    const kinds = [...this.spec.successKinds, ...this.spec.failureKinds].join('|') || 'the outcome';
    return `${kinds} of ${this.spec.name} (operationContext ${this.spec.operationContext})`;
  }

  /** Whether the event is this operation's outcome. @internal */
  accepts(event: AnyCallEvent): boolean {
    if (operationContextOf(event) !== this.spec.operationContext) return false;
    if (
      this.spec.callConnectionId !== undefined &&
      event.callConnectionId !== this.spec.callConnectionId
    ) {
      return false;
    }
    return this.successKinds.has(event.kind) || this.failureKinds.has(event.kind);
  }

  /** @internal */
  isSuccessKind(kind: string): boolean {
    return this.successKinds.has(kind);
  }

  /** @internal */
  settleWith(event: AnyCallEvent): void {
    this.settle(
      this.isSuccessKind(event.kind)
        ? { isSuccess: true, successResult: event }
        : { isSuccess: false, failureResult: event },
    );
  }

  /** The call ended: a failure, unless ending the call was the point (hangUp). @internal */
  disconnected(event: CallDisconnected): void {
    this.settleWith(event);
  }

  /** @internal */
  settle(result: EventResult): void {
    if (this.isSettled) return;
    this.result = result;
    this.observer?.settled(result);
    for (const wait of [...this.waits]) wait.resolve(result);
    this.onDone(this);
  }

  /** The request failed or the application shuts down: every wait, now or later, rejects. */
  fail(error: unknown): void {
    if (this.isSettled) return;
    this.error = error;
    this.observer?.failed(error);
    for (const wait of [...this.waits]) wait.reject(error);
    this.onDone(this);
  }

  /** @internal */
  shutdown(): void {
    this.fail(new CallAutomationShutdownError(this.description));
  }

  /**
   * Called by the registry when the default timeout has passed since the request: an operation
   * nobody waits for is then forgotten, so unawaited operations cannot pile up.
   * @internal
   */
  expire(): void {
    this.expired = true;
    this.observer?.timedOut(this.defaultTimeoutMs);
    if (this.waits.size === 0) this.onDone(this);
  }

  wait(options: WaitOptions = {}): Promise<EventResult> {
    if (this.result !== undefined) return Promise.resolve(this.result);
    if (this.error !== undefined) return Promise.reject(this.error);
    let timeoutMs: number;
    try {
      timeoutMs = checkTimeout(options.timeoutMs, this.defaultTimeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.expired) {
      return Promise.reject(
        new CallAutomationTimeoutError(this.description, this.defaultTimeoutMs),
      );
    }
    return new Promise<EventResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => wait.reject(signal?.reason);
      const wait: PendingWait = {
        resolve: (result) => {
          wait.dispose();
          resolve(result);
        },
        reject: (error) => {
          wait.dispose();
          reject(error);
        },
        dispose: () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.waits.delete(wait);
          if (this.expired && !this.isSettled && this.waits.size === 0) this.onDone(this);
        },
      };
      this.waits.add(wait);
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = startTimer(timeoutMs, () => {
        this.observer?.timedOut(timeoutMs);
        wait.reject(new CallAutomationTimeoutError(this.description, timeoutMs));
      });
    });
  }
}
