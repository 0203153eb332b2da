import type { CallDisconnected } from '@azure/communication-call-automation';
import type { AnyCallEvent } from '../events/call-event.types';
import { operationContextOf } from '../events/event-filter';
import { FifoQueue } from './fifo-queue';
import { type OperationSpec, PendingOperation } from './pending-operation';
import { SweepTimer } from './timer';
import { addTo, removeFrom } from './waiter-registry';

/** What `match` returns for the common event that settles no operation (no array per event). */
const NO_OPERATIONS: readonly PendingOperation[] = [];

/**
 * Operations whose outcome has not come yet, indexed by operationContext and by call.
 * Operations are matched on (callConnectionId, operationContext) together, so two calls may
 * reuse a fixed context such as 'mainMenu'. Each is forgotten once settled, or once
 * `retentionMs` has passed since its request with no outcome and nobody waiting.
 */
export class OperationRegistry {
  private readonly byContext = new Map<string, Set<PendingOperation>>();
  private readonly byCall = new Map<string, Set<PendingOperation>>();
  private readonly live = new Set<PendingOperation>();
  /** Operations within their retention time, in registration order (so expiry order). */
  private readonly byAge = new FifoQueue<PendingOperation>();
  private readonly timer = new SweepTimer(() => this.expire());

  constructor(
    private readonly retentionMs: number,
    private readonly onReuse: (spec: OperationSpec) => void = () => {},
  ) {}

  get size(): number {
    return this.live.size;
  }

  register(spec: OperationSpec): PendingOperation {
    const operation = new PendingOperation({ ...spec }, this.retentionMs);
    const sameContext = this.byContext.get(spec.operationContext);
    if (sameContext) {
      for (const other of sameContext) {
        if (
          other.callConnectionId === undefined ||
          spec.callConnectionId === undefined ||
          other.callConnectionId === spec.callConnectionId
        ) {
          this.onReuse(spec);
          break;
        }
      }
    }
    operation.onDone = (done) => this.unregister(done);
    addTo(this.byContext, spec.operationContext, operation);
    if (spec.callConnectionId !== undefined) addTo(this.byCall, spec.callConnectionId, operation);
    this.live.add(operation);
    this.byAge.push(operation);
    this.timer.schedule(operation.registeredAt + this.retentionMs);
    return operation;
  }

  /** The service answered with the call's id (createCall, answerCall, connectCall). */
  bindCall(operation: PendingOperation, callConnectionId: string): void {
    if (operation.callConnectionId !== undefined || !this.live.has(operation)) return;
    operation.callConnectionId = callConnectionId;
    addTo(this.byCall, callConnectionId, operation);
  }

  /** Pending operations whose outcome this event is, oldest first. */
  match(event: AnyCallEvent): readonly PendingOperation[] {
    const context = operationContextOf(event);
    if (context === undefined) return NO_OPERATIONS;
    const candidates = this.byContext.get(context);
    if (candidates === undefined) return NO_OPERATIONS;
    const found: PendingOperation[] = [];
    for (const operation of candidates) if (operation.accepts(event)) found.push(operation);
    return found;
  }

  /** Settles every pending operation of the call as failed with its CallDisconnected. */
  disconnect(callConnectionId: string, event: CallDisconnected): void {
    const operations = this.byCall.get(callConnectionId);
    if (operations) for (const operation of [...operations]) operation.disconnected(event);
  }

  shutdown(): void {
    for (const operation of [...this.live]) operation.shutdown();
    this.timer.cancel();
  }

  private unregister(operation: PendingOperation): void {
    this.leaveAgeQueue(operation);
    if (!this.live.delete(operation)) return;
    removeFrom(this.byContext, operation.operationContext, operation);
    const call = operation.callConnectionId;
    if (call !== undefined) removeFrom(this.byCall, call, operation);
  }

  /**
   * Expires operations past their retention: still matched while someone waits for one, and
   * forgotten when its last wait ends. Returns when the next one is due.
   */
  private expire(): number | undefined {
    const now = Date.now();
    for (
      let operation = this.byAge.first();
      operation !== undefined;
      operation = this.byAge.first()
    ) {
      const due = operation.registeredAt + this.retentionMs;
      if (due > now) return due;
      this.leaveAgeQueue(operation);
      operation.expire();
    }
    return undefined;
  }

  private leaveAgeQueue(operation: PendingOperation): void {
    if (operation.removed) return;
    operation.removed = true;
    this.byAge.removed();
  }
}
