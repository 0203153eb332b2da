import type { CallAutomationCloudEvent } from '../events/cloud-event-envelope';
import type { EventGridSchemaEvent, IncomingCallEventData } from '../events/event-grid-events';
import type { WireIdentifier } from '../events/wire-identifiers';
import type { EmulatedCallHandle } from './call-handle';
import type { DeliveryAttempt } from './delivery-log';
import type {
  IncomingCallRecord,
  IncomingCallRegistry,
  IncomingCallState,
} from './incoming-call-registry';
import type { PartyScript } from './scripted-party';

/** Options of `emulator.placeIncomingCall`. */
export interface PlaceIncomingCallOptions {
  /** The app's incoming-call (Event Grid) endpoint. */
  url: string;
  /** The caller: a phone number (`'+15551234567'`), a raw id, or an identifier. Default `'+15550100100'`. */
  from?: string | WireIdentifier;
  /** The number dialed. Default: the emulator's `phoneNumber`. */
  to?: string | WireIdentifier;
  callerDisplayName?: string;
  customContext?: { sipHeaders?: Record<string, string>; voipHeaders?: Record<string, string> };
  /** How the caller behaves once answered, e.g. `{ dtmf: '1' }`. Default: silent. */
  caller?: PartyScript;
  /** The Event Grid subscription's schema. Default `'eventGrid'`. */
  schema?: 'eventGrid' | 'cloudEvents';
  /**
   * More headers, e.g. `authorization: Bearer <token>` for an endpoint protected the way
   * Event Grid's Microsoft Entra delivery is (sign one with `emulator.signToken`).
   */
  headers?: Record<string, string>;
}

/** An incoming call announced to the app, and what became of it. */
export class IncomingCallHandle {
  /** @internal */
  constructor(
    private readonly record: IncomingCallRecord,
    private readonly registry: IncomingCallRegistry,
    private readonly callOf: (callConnectionId: string) => EmulatedCallHandle,
    /** The event posted. */
    readonly event:
      | EventGridSchemaEvent<IncomingCallEventData>
      | CallAutomationCloudEvent<'IncomingCall', IncomingCallEventData>,
    /** The last delivery attempt: its `status` is what the app answered. */
    readonly delivery: DeliveryAttempt,
  ) {}

  get incomingCallContext(): string {
    return this.record.incomingCallContext;
  }

  get serverCallId(): string {
    return this.record.serverCallId;
  }

  get correlationId(): string {
    return this.record.correlationId;
  }

  /** `ringing` until the app answers, rejects or redirects it. */
  get state(): IncomingCallState {
    return this.record.state;
  }

  /** Resolves with the call once the app answered; rejects if it was rejected or redirected. */
  async waitForAnswer(timeoutMs = 5_000): Promise<EmulatedCallHandle> {
    const state = await this.waitForOutcome(timeoutMs);
    if (state !== 'answered' || !this.record.callConnectionId) {
      throw new Error(`The incoming call was ${state}, not answered.`);
    }
    return this.callOf(this.record.callConnectionId);
  }

  /** Resolves once the app answered, rejected or redirected the call. */
  waitForOutcome(timeoutMs = 5_000): Promise<Exclude<IncomingCallState, 'ringing'>> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.record.state === 'ringing') return false;
        clearTimeout(timer);
        stop();
        resolve(this.record.state);
        return true;
      };
      const timer = setTimeout(() => {
        stop();
        reject(
          new Error(`The app did not answer, reject or redirect the call within ${timeoutMs} ms.`),
        );
      }, timeoutMs);
      timer.unref();
      const stop = this.registry.onChange((changed) => {
        if (changed === this.record) check();
      });
      check();
    });
  }
}
