import { ExpiringMap } from './expiring-map';

/**
 * ACS ends a call after at most a day or so; a call whose CallDisconnected never reached this
 * replica (a callback lost for good) is forgotten after this, so the count cannot only grow.
 */
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;
/** Most calls counted at once (past it the oldest is forgotten): bounds memory, not calls. */
const MAX_CALLS = 100_000;

/**
 * The calls in progress known to this replica: a CallConnected was delivered here and the
 * call's CallDisconnected was not (yet). With `redis` every replica delivers every event, so
 * each replica counts the cluster's calls.
 */
export class CallsInProgress {
  private readonly calls = new ExpiringMap<string, true>(FORGET_AFTER_MS, MAX_CALLS);

  get size(): number {
    return this.calls.size;
  }

  connected(callConnectionId: string): void {
    this.calls.set(callConnectionId, true);
  }

  disconnected(callConnectionId: string): void {
    this.calls.delete(callConnectionId);
  }

  clear(): void {
    this.calls.clear();
  }
}
