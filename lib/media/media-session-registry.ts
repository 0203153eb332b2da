import type { CallDisconnected } from '@azure/communication-call-automation';
import { CallAutomationShutdownError } from '../errors/call-automation-shutdown.error';
import { CallAutomationTimeoutError } from '../errors/call-automation-timeout.error';
import { CallDisconnectedError } from '../errors/call-disconnected.error';
import { checkTimeout, type WaitOptions } from '../processor/waiter';
import type { MediaStreamSession } from './media-stream-session';

/**
 * What the registry needs of a session (a ManagedMediaSession; named by this interface so the
 * public typings never reach the `ws` types).
 */
export interface ManagedMediaSession extends MediaStreamSession {
  /** Ends the session: its signal aborts with `reason`, the socket closes with `code`. */
  end(reason: Error, code: number, shuttingDown?: boolean): void;
}

/** One pending `waitForMediaStream`. */
interface StreamWaiter {
  resolve(session: MediaStreamSession): void;
  reject(error: unknown): void;
}

/** The longest delay a Node timer takes; longer waits have no timer (as if Infinity). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The media sessions open on this replica, by call, and the `waitForMediaStream` calls waiting
 * for one. Sessions end when their call's CallDisconnected is delivered and on shutdown. No
 * Nest, no I/O.
 */
export class MediaSessionRegistry {
  private readonly open = new Set<ManagedMediaSession>();
  private readonly byCall = new Map<string, ManagedMediaSession[]>();
  private readonly waiters = new Map<string, Set<StreamWaiter>>();
  private shutDown = false;

  constructor(
    private readonly defaultTimeoutMs: number,
    /** The CallDisconnected of a call that ended recently (the matcher remembers them). */
    private readonly disconnectOf: (callConnectionId: string) => CallDisconnected | undefined,
  ) {}

  /** Open sessions on this replica (identified or not yet). */
  get size(): number {
    return this.open.size;
  }

  get isShutDown(): boolean {
    return this.shutDown;
  }

  /** A socket was accepted (its call may not be known yet). */
  opened(session: ManagedMediaSession): void {
    this.open.add(session);
  }

  /**
   * The session knows its call: waiters get it. Returns false when the call has already
   * disconnected (the session is ended then).
   */
  identified(session: ManagedMediaSession): boolean {
    const call = session.callConnectionId;
    const disconnect = this.disconnectOf(call);
    if (disconnect !== undefined) {
      session.end(new CallDisconnectedError(call, disconnect, 'its media stream'), 1000);
      return false;
    }
    const list = this.byCall.get(call);
    if (list === undefined) this.byCall.set(call, [session]);
    else list.push(session);
    const waiting = this.waiters.get(call);
    if (waiting !== undefined) {
      this.waiters.delete(call);
      for (const waiter of waiting) waiter.resolve(session);
    }
    return true;
  }

  closed(session: ManagedMediaSession): void {
    this.open.delete(session);
    const list = this.byCall.get(session.callConnectionId);
    if (list === undefined) return;
    const rest = list.filter((entry) => entry !== session);
    if (rest.length === 0) this.byCall.delete(session.callConnectionId);
    else this.byCall.set(session.callConnectionId, rest);
  }

  /** The call's first open session, else the next to connect. */
  wait(callConnectionId: string, options: WaitOptions = {}): Promise<MediaStreamSession> {
    try {
      if (typeof callConnectionId !== 'string' || callConnectionId === '') {
        throw new TypeError('waitForMediaStream: callConnectionId must be a non-empty string.');
      }
      const timeoutMs = checkTimeout(options.timeoutMs, this.defaultTimeoutMs);
      const what = `the media stream of call ${callConnectionId}`;
      if (this.shutDown) throw new CallAutomationShutdownError(what);
      const session = this.byCall.get(callConnectionId)?.[0];
      if (session !== undefined) return Promise.resolve(session);
      const disconnect = this.disconnectOf(callConnectionId);
      if (disconnect !== undefined) {
        throw new CallDisconnectedError(callConnectionId, disconnect, what);
      }
      const { signal } = options;
      if (signal?.aborted) return Promise.reject(signal.reason);
      return this.start(callConnectionId, what, timeoutMs, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The call's CallDisconnected was delivered: its sessions end, its waiters reject. */
  callDisconnected(callConnectionId: string, event: CallDisconnected): void {
    for (const session of this.byCall.get(callConnectionId) ?? []) {
      session.end(new CallDisconnectedError(callConnectionId, event, 'its media stream'), 1000);
    }
    const waiting = this.waiters.get(callConnectionId);
    if (waiting === undefined) return;
    this.waiters.delete(callConnectionId);
    const what = `the media stream of call ${callConnectionId}`;
    for (const waiter of waiting) {
      waiter.reject(new CallDisconnectedError(callConnectionId, event, what));
    }
  }

  /** Shutdown: every session closes (1001), every wait rejects. */
  shutdown(): void {
    if (this.shutDown) return;
    this.shutDown = true;
    for (const session of this.open) {
      session.end(
        new CallAutomationShutdownError(`the media stream of call ${session.callConnectionId}`),
        1001,
        true,
      );
    }
    for (const [call, waiting] of this.waiters) {
      for (const waiter of waiting) {
        waiter.reject(new CallAutomationShutdownError(`the media stream of call ${call}`));
      }
    }
    this.waiters.clear();
  }

  private start(
    call: string,
    what: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<MediaStreamSession> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const waiting = this.waiters.get(call);
        waiting?.delete(waiter);
        if (waiting?.size === 0) this.waiters.delete(call);
      };
      const waiter: StreamWaiter = {
        resolve: (session) => {
          settle();
          resolve(session);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      const onAbort = () => waiter.reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs <= MAX_TIMER_MS) {
        timer = setTimeout(
          () => waiter.reject(new CallAutomationTimeoutError(what, timeoutMs)),
          timeoutMs,
        );
      }
      const waiting = this.waiters.get(call);
      if (waiting === undefined) this.waiters.set(call, new Set([waiter]));
      else waiting.add(waiter);
    });
  }
}
