import type { CallSession } from './call-session';

/**
 * The live session of each call: whoever asks for a call (answer, dial, `session(id)`) gets the
 * same one, so `cancelMediaOperations()` and the default recording cover every session
 * operation of the call. A session leaves when its call ends (or on shutdown).
 */
export class CallSessionRegistry {
  private readonly sessions = new Map<string, CallSession>();

  get size(): number {
    return this.sessions.size;
  }

  /** The call's live session, or a new one made by `create`. */
  getOrCreate(callConnectionId: string, create: () => CallSession): CallSession {
    const existing = this.sessions.get(callConnectionId);
    if (existing !== undefined) return existing;
    const session = create();
    this.sessions.set(callConnectionId, session);
    const leave = () => {
      if (this.sessions.get(callConnectionId) === session) this.sessions.delete(callConnectionId);
    };
    session.ended.then(leave, leave);
    return session;
  }
}
