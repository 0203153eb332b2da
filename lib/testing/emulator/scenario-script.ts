import type { EmulatedOperation, FailureSpec } from './operation-catalog';
import { type PartyScript, ScriptedParty } from './scripted-party';

/** The REST call itself fails: the SDK throws a RestError with this status. */
export interface RestErrorScript {
  status: number;
  /** Default: the status's usual ACS code. */
  code?: string;
  message?: string;
  /**
   * Sent as `retry-after-ms` (429 and 503 only), so the SDK's retry comes quickly.
   * Default 10.
   */
  retryAfterMs?: number;
}

/** What the next run(s) of an operation do differently. */
export interface OperationScript<O extends EmulatedOperation = EmulatedOperation> {
  /**
   * The operation is accepted but reports its failure event, e.g. `'fileNotFound'` for `play`
   * (PlayFailed 400/8536); `true` for the operation's usual failure; or exact resultInformation.
   */
  fail?: FailureSpec<O>;
  /** The REST call fails with this status (no state change, no events). */
  restError?: number | RestErrorScript;
  /** Extra wait before the outcome event(s). */
  delayMs?: number;
  /**
   * For play and recognize: how long it runs before it ends (`Infinity`: until canceled).
   * Default: the emulator's `mediaDurationMs` (play), 0 (recognize).
   */
  durationMs?: number;
  /** Each outcome event is delivered twice, with the same CloudEvent id. */
  duplicate?: boolean;
  /** The outcome events are delivered (and answered) before the REST response is sent. */
  eventBeforeResponse?: boolean;
  /**
   * The request is carried out, but the connection is cut instead of answering (a lost
   * response). The SDK retries with the same `Repeatability-Request-ID` and gets the first
   * answer, without a second execution.
   */
  dropResponse?: boolean;
  /** How many runs this applies to. Default 1; `Infinity` for all. */
  times?: number;
}

interface ScriptEntry {
  operation: EmulatedOperation;
  callConnectionId?: string;
  script: OperationScript;
  remaining: number;
}

/**
 * What the emulated service and the parties do in a test. Scripts are consumed in the order
 * they were given; one scoped to a call (`emulator.call(id).nextOperation(...)`) wins over a
 * global one.
 *
 * ```ts
 * emulator.script
 *   .nextOperation('play', { fail: 'fileNotFound' })
 *   .nextOperation('hold', { restError: 500 })
 *   .party('+15551230000', { answer: 'busy' });
 * ```
 */
export class ScenarioScript {
  private readonly entries: ScriptEntry[] = [];
  private readonly parties = new Map<string, ScriptedParty>();

  /** Scripts the next run (or `times` runs) of `operation`, on any call. */
  nextOperation<O extends EmulatedOperation>(operation: O, script: OperationScript<O> = {}): this {
    return this.add(operation, script as OperationScript, undefined);
  }

  /** How the party with this id behaves: a phone number (`+1555…`) or a raw id (`8:acs:…`). */
  party(id: string, script: PartyScript): this {
    this.parties.set(normalizePartyId(id), new ScriptedParty(script));
    return this;
  }

  /** Drops every script not used yet and every party script. */
  reset(): this {
    this.entries.length = 0;
    this.parties.clear();
    return this;
  }

  /** How many scripted runs are still waiting (handy to assert a script was used). */
  get pending(): number {
    return this.entries.reduce((sum, entry) => sum + entry.remaining, 0);
  }

  /** @internal */
  add(
    operation: EmulatedOperation,
    script: OperationScript,
    callConnectionId: string | undefined,
  ): this {
    const times = script.times ?? 1;
    if (!(times > 0)) throw new Error('times must be positive.');
    this.entries.push({ operation, callConnectionId, script, remaining: times });
    return this;
  }

  /** @internal The script of this run of `operation`, if any; consumes one use. */
  take(
    operation: EmulatedOperation,
    callConnectionId: string | undefined,
  ): OperationScript | undefined {
    const entry =
      this.entries.find(
        (candidate) =>
          candidate.operation === operation &&
          candidate.callConnectionId !== undefined &&
          candidate.callConnectionId === callConnectionId,
      ) ??
      this.entries.find(
        (candidate) =>
          candidate.operation === operation && candidate.callConnectionId === undefined,
      );
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.entries.splice(this.entries.indexOf(entry), 1);
    return entry.script;
  }

  /** @internal The scripted party with this raw id, if any. */
  partyFor(rawId: string): ScriptedParty | undefined {
    return this.parties.get(normalizePartyId(rawId));
  }
}

/** `+1555…` and `4:+1555…` name the same phone number. */
export function normalizePartyId(id: string): string {
  return id.startsWith('+') ? `4:${id}` : id;
}
