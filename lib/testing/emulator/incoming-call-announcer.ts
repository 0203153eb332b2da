import { randomUUID } from 'node:crypto';
import {
  type IncomingCallEventData,
  incomingCallCloudEvent,
  incomingCallEvent,
} from '../events/event-grid-events';
import { identifierFromRawId, phoneNumber, type WireIdentifier } from '../events/wire-identifiers';
import type { EmulatedCallHandle } from './call-handle';
import type { CallbackSender } from './callback-sender';
import type { DeliveryAttempt } from './delivery-log';
import { IncomingCallHandle, type PlaceIncomingCallOptions } from './incoming-call-handle';
import type { IncomingCallRegistry } from './incoming-call-registry';
import { ScriptedParty } from './scripted-party';

/** The headers Event Grid sets on a notification delivery. */
const EVENT_GRID_NOTIFICATION_HEADERS = {
  'aeg-event-type': 'Notification',
  'aeg-subscription-name': 'ACS-EMULATOR-INCOMING-CALL',
  'aeg-delivery-count': '0',
  'aeg-data-version': '1.0',
  'aeg-metadata-version': '1',
} as const;

/**
 * Announces incoming calls the way the resource's Event Grid subscription does: issues the
 * call's `incomingCallContext` and posts `Microsoft.Communication.IncomingCall` to the app, in
 * the Event Grid schema (`[event]`) or the CloudEvents schema (one event).
 */
export class IncomingCallAnnouncer {
  constructor(
    private readonly sender: CallbackSender,
    private readonly incomingCalls: IncomingCallRegistry,
    /** The number callers dial when `to` is not given. */
    private readonly phoneNumber: string,
    private readonly callOf: (callConnectionId: string) => EmulatedCallHandle,
  ) {}

  async announce(options: PlaceIncomingCallOptions): Promise<IncomingCallHandle> {
    const from = toIdentifier(options.from ?? '+15550100100');
    const to = toIdentifier(options.to ?? this.phoneNumber);
    const record = this.incomingCalls.issue({
      serverCallId: Buffer.from(`https://emulator.local/conv/${randomUUID()}`).toString('base64'),
      correlationId: randomUUID(),
      from,
      to,
      caller: options.caller ? new ScriptedParty(options.caller) : undefined,
    });
    const data: IncomingCallEventData = {
      to,
      from,
      serverCallId: record.serverCallId,
      callerDisplayName: options.callerDisplayName ?? '',
      incomingCallContext: record.incomingCallContext,
      correlationId: record.correlationId,
      customContext: options.customContext ?? { sipHeaders: {}, voipHeaders: {} },
    };
    const headers = { ...EVENT_GRID_NOTIFICATION_HEADERS, ...options.headers };
    let delivery: DeliveryAttempt;
    let event: IncomingCallHandle['event'];
    if (options.schema === 'cloudEvents') {
      const cloudEvent = incomingCallCloudEvent(data);
      event = cloudEvent;
      delivery = await this.sender.deliver({
        url: options.url,
        event: cloudEvent,
        body: cloudEvent,
        headers: { ...headers, origin: 'eventgrid.azure.net' },
        contentType: 'application/cloudevents+json; charset=utf-8',
      });
    } else {
      const gridEvent = incomingCallEvent(data);
      event = gridEvent;
      delivery = await this.sender.deliver({
        url: options.url,
        event: gridEvent,
        body: [gridEvent],
        headers,
      });
    }
    return new IncomingCallHandle(record, this.incomingCalls, this.callOf, event, delivery);
  }
}

/** `'+1555…'` is a phone number; anything else a raw id; identifiers pass through. */
function toIdentifier(value: string | WireIdentifier): WireIdentifier {
  if (typeof value !== 'string') return value;
  return value.startsWith('+') ? phoneNumber(value) : identifierFromRawId(value);
}
