import { parseCallAutomationEvent } from '@azure/communication-call-automation';
import { CallAutomationEventError, KNOWN_CALL_EVENT_KINDS } from 'nestjs-call-automation';
import { describe, expect, it } from 'vitest';
import { readCloudEvents } from '../../lib/events/cloud-event';
import { readEventGridDelivery } from '../../lib/events/event-grid';
import { toCallEvent } from '../../lib/events/to-call-event';
import { cloudEvent } from '../support/events';

describe('readCloudEvents', () => {
  it('reads a batch, a single event, and their JSON text or bytes', () => {
    const first = cloudEvent('CallConnected', { callConnectionId: 'c1' });
    const second = cloudEvent('PlayCompleted', { callConnectionId: 'c1' });
    expect(readCloudEvents([first, second])).toEqual([first, second]);
    expect(readCloudEvents(first)).toEqual([first]);
    expect(readCloudEvents(JSON.stringify([first, second]))).toEqual([first, second]);
    expect(readCloudEvents(Buffer.from(JSON.stringify(first)))).toEqual([first]);
    expect(readCloudEvents([])).toEqual([]);
  });

  it.each([
    ['not JSON', '{"id":', /not valid JSON/],
    ['invalid UTF-8', Buffer.from([0x5b, 0xff, 0x5d]), /not valid JSON/],
    ['null', null, /The event is not a CloudEvent: it is null/],
    ['a number', 3, /it is number 3/],
    ['a string in a batch', ['x'], /Entry 0 of the batch is not a CloudEvent/],
    ['a missing id', [{ type: 'T', data: {} }], /id is missing/],
    ['an empty type', [{ id: '1', type: '', data: {} }], /type is an empty string/],
    ['data as an array', [{ id: '1', type: 'T', data: [] }], /data is an array/],
    ['data as null', [{ id: '1', type: 'T', data: null }], /data is null/],
    ['a nested batch', [[]], /it is an array/],
  ])('rejects %s with CallAutomationEventError', (_name, body, message) => {
    expect(() => readCloudEvents(body)).toThrow(CallAutomationEventError);
    expect(() => readCloudEvents(body)).toThrow(message);
  });

  it('rejects the whole batch for one bad entry, naming its index', () => {
    const error = (() => {
      try {
        readCloudEvents([cloudEvent('CallConnected'), { id: 'x', type: 'T' }]);
      } catch (caught) {
        return caught as CallAutomationEventError;
      }
    })();
    expect(error?.index).toBe(1);
    expect(error?.message).toContain('Entry 1');
  });
});

describe('toCallEvent', () => {
  it('gives exactly what the SDK parser gives, for every kind the SDK knows', () => {
    for (const kind of KNOWN_CALL_EVENT_KINDS) {
      const data = {
        callConnectionId: 'c1',
        operationContext: 'op',
        resultInformation: { code: 200, subCode: 0, message: 'ok' },
        participant: { rawId: '8:acs:user', communicationUser: { id: '8:acs:user' } },
        participants: [
          { identifier: { rawId: '4:+1555', phoneNumber: { value: '+1555' } }, isMuted: false },
        ],
      };
      const event = cloudEvent(kind, data);
      const expected = parseCallAutomationEvent(JSON.parse(JSON.stringify(event)));
      expect(toCallEvent(event).event, kind).toEqual(expected);
      expect(toCallEvent(event).event.kind).toBe(kind);
    }
  });

  it('does not change the CloudEvent it parses', () => {
    const event = cloudEvent('AddParticipantSucceeded', {
      callConnectionId: 'c1',
      participant: { rawId: '8:acs:user', communicationUser: { id: '8:acs:user' } },
    });
    const copy = structuredClone(event);
    toCallEvent(event);
    expect(event).toEqual(copy);
  });

  it('turns a type the SDK does not know into { ...data, kind } without throwing', () => {
    const event = cloudEvent('CallRinging', { callConnectionId: 'c1', kind: 'Spoofed', extra: 1 });
    expect(toCallEvent(event).event).toEqual({ ...event.data, kind: 'CallRinging' });
    const foreign = { id: '1', type: 'Contoso.Custom', data: { a: 1 } };
    expect(toCallEvent(foreign).event).toEqual({ a: 1, kind: 'Contoso.Custom' });
  });

  it('lets the type decide kind, never a data.kind field', () => {
    const event = cloudEvent('PlayCompleted', { callConnectionId: 'c1', kind: 'CallDisconnected' });
    expect(toCallEvent(event).event.kind).toBe('PlayCompleted');
  });

  it('hands on the raw data of a known type the SDK cannot parse, with the reason', () => {
    const event = cloudEvent('AddParticipantFailed', { callConnectionId: 'c1' }); // no participant
    const converted = toCallEvent(event);
    expect(converted.event).toMatchObject({ kind: 'AddParticipantFailed', callConnectionId: 'c1' });
    expect(converted.parseError).toBeInstanceOf(Error);
  });

  it('does not pollute prototypes with __proto__ keys', () => {
    const event = JSON.parse(
      '{"id":"1","type":"Microsoft.Communication.Custom","data":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}}',
    );
    toCallEvent(event);
    readCloudEvents([event]);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe('readEventGridDelivery', () => {
  const incoming = {
    id: 'eg-1',
    topic:
      '/subscriptions/s/resourceGroups/r/providers/Microsoft.Communication/communicationServices/acs',
    subject: '/caller/4:+1555/recipient/8:acs:bot',
    eventType: 'Microsoft.Communication.IncomingCall',
    eventTime: '2026-11-24T10:00:00Z',
    dataVersion: '1.0',
    metadataVersion: '1',
    data: { incomingCallContext: 'ctx', serverCallId: 's1' },
  };

  it('reads the Event Grid schema as CloudEvents', () => {
    expect(readEventGridDelivery([incoming])).toEqual([
      {
        id: 'eg-1',
        type: 'Microsoft.Communication.IncomingCall',
        data: incoming.data,
        specversion: '1.0',
        source: incoming.topic,
        subject: incoming.subject,
        time: incoming.eventTime,
      },
    ]);
  });

  it('reads the CloudEvents schema as it is', () => {
    const event = cloudEvent('IncomingCall', { incomingCallContext: 'ctx' });
    expect(readEventGridDelivery([event])).toEqual([event]);
  });

  it('rejects a delivery with an invalid entry', () => {
    expect(() => readEventGridDelivery([incoming, { ...incoming, eventType: 7 }])).toThrow(
      /Entry 1 .* eventType/,
    );
  });
});
