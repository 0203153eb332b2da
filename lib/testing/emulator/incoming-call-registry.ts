import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { WireIdentifier } from '../events/wire-identifiers';
import type { ScriptedParty } from './scripted-party';

/** Where an incoming call stands: ringing until answered, rejected or redirected. */
export type IncomingCallState = 'ringing' | 'answered' | 'rejected' | 'redirected';

/** An incoming call the emulator announced to an app. */
export interface IncomingCallRecord {
  readonly incomingCallContext: string;
  readonly serverCallId: string;
  readonly correlationId: string;
  readonly from: WireIdentifier;
  readonly to: WireIdentifier;
  /** The caller's script, when one was given (else a global party script applies). */
  readonly caller?: ScriptedParty;
  state: IncomingCallState;
  /** The call connection made by answerCall. */
  callConnectionId?: string;
}

/**
 * Issues `incomingCallContext` values and resolves them again. A context is JWT-shaped and
 * HMAC-signed with a secret of this emulator, so answerCall, redirectCall and rejectCall accept
 * exactly the contexts this emulator issued.
 */
export class IncomingCallRegistry {
  private readonly secret = randomBytes(32);
  private readonly records = new Map<string, IncomingCallRecord>();
  private readonly changeListeners = new Set<(record: IncomingCallRecord) => void>();

  issue(init: Omit<IncomingCallRecord, 'incomingCallContext' | 'state'>): IncomingCallRecord {
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({
        icid: randomUUID(),
        scid: init.serverCallId,
        iat: Math.floor(Date.now() / 1000),
      }),
    ).toString('base64url');
    const signature = this.sign(`${header}.${payload}`);
    const record: IncomingCallRecord = {
      ...init,
      incomingCallContext: `${header}.${payload}.${signature}`,
      state: 'ringing',
    };
    this.records.set(record.incomingCallContext, record);
    return record;
  }

  /** The call a context names, or undefined for a context this emulator did not issue. */
  resolve(incomingCallContext: string): IncomingCallRecord | undefined {
    const parts = incomingCallContext.split('.');
    if (parts.length !== 3) return undefined;
    const expected = Buffer.from(this.sign(`${parts[0]}.${parts[1]}`));
    const given = Buffer.from(parts[2] ?? '');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    return this.records.get(incomingCallContext);
  }

  update(record: IncomingCallRecord, state: IncomingCallState, callConnectionId?: string): void {
    record.state = state;
    record.callConnectionId = callConnectionId;
    for (const listener of [...this.changeListeners]) listener(record);
  }

  onChange(listener: (record: IncomingCallRecord) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private sign(data: string): string {
    return createHmac('sha256', this.secret).update(data).digest('base64url');
  }
}
