import { parseCallAutomationEvent } from '@azure/communication-call-automation';
import {
  CALL_AUTOMATION_EVENT_KINDS,
  callEvent,
  callEvents,
  incomingCallCloudEvent,
  incomingCallEvent,
  phoneNumber,
  resultCodes,
  subscriptionValidationEvent,
} from 'nestjs-call-automation/testing';
import { describe, expect, it } from 'vitest';

describe('event factories', () => {
  it('cover the 38 kinds the SDK parser knows, one named factory each', () => {
    expect(CALL_AUTOMATION_EVENT_KINDS).toHaveLength(38);
    expect(Object.keys(callEvents)).toHaveLength(38);
    for (const kind of CALL_AUTOMATION_EVENT_KINDS) {
      const name = kind[0]?.toLowerCase() + kind.slice(1);
      expect(callEvents).toHaveProperty(name);
    }
  });

  it.each(CALL_AUTOMATION_EVENT_KINDS)(
    '%s: a complete envelope that parseCallAutomationEvent accepts',
    (kind) => {
      const event = callEvent(kind, { callConnectionId: 'call-1', operationContext: 'ctx' });
      expect(event).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        source: 'calling/callConnections/call-1',
        subject: 'calling/callConnections/call-1',
        type: `Microsoft.Communication.${kind}`,
        specversion: '1.0',
        datacontenttype: 'application/json',
      });
      expect(Number.isNaN(Date.parse(event.time))).toBe(false);
      expect(event.data).toMatchObject({
        callConnectionId: 'call-1',
        serverCallId: expect.any(String),
        correlationId: expect.any(String),
      });
      // The SDK reads one event (not the array) and mutates it: give it a copy.
      const parsed = parseCallAutomationEvent(structuredClone(event));
      expect(parsed.kind).toBe(kind);
      expect(parsed.callConnectionId).toBe('call-1');
      // Arrays posted by ACS parse too (the SDK takes element 0).
      expect(parseCallAutomationEvent(JSON.stringify([event])).kind).toBe(kind);
    },
  );

  it('fill realistic defaults and take overrides', () => {
    const failed = callEvents.playFailed({ callConnectionId: 'c', operationContext: 'greeting' });
    expect(failed.data).toMatchObject({
      resultInformation: { code: 400, subCode: 8536 },
      failedPlaySourceIndex: 0,
      operationContext: 'greeting',
    });
    const silence = callEvents.recognizeFailed();
    expect(silence.data.resultInformation).toEqual(resultCodes.recognizeInitialSilenceTimeout);
    expect(silence.data).not.toHaveProperty('operationContext');

    const recognized = callEvents.recognizeCompleted({
      recognitionType: 'choices',
      choiceResult: { label: 'sales', recognizedPhrase: 'sales', confidence: 0.9 },
      resultInformation: resultCodes.recognizeSpeechOptionMatched,
    });
    expect(parseCallAutomationEvent(structuredClone(recognized))).toMatchObject({
      kind: 'RecognizeCompleted',
      recognitionType: 'choices',
      choiceResult: { label: 'sales' },
    });

    const updated = callEvents.participantsUpdated(
      {
        participants: [{ identifier: phoneNumber('+15551234567'), isMuted: true, isOnHold: false }],
        sequenceNumber: 7,
      },
      { id: 'evt-1', time: new Date('2025-01-01T00:00:00Z') },
    );
    // Times as ACS writes them: seven fractional digits and +00:00.
    expect(updated).toMatchObject({ id: 'evt-1', time: '2025-01-01T00:00:00.0000000+00:00' });
    expect(parseCallAutomationEvent(structuredClone(updated))).toMatchObject({
      sequenceNumber: 7,
      participants: [{ identifier: { phoneNumber: '+15551234567' }, isMuted: true }],
    });

    const added = parseCallAutomationEvent(structuredClone(callEvents.addParticipantSucceeded()));
    expect(added).toMatchObject({
      participant: { communicationUserId: expect.stringMatching(/^8:acs:/) },
    });
    const recording = callEvents.recordingStateChanged({ state: 'inactive' });
    expect(recording.data).toMatchObject({
      state: 'inactive',
      recordingKind: 'azureCommunicationServices',
    });
    expect(typeof recording.data.startDateTime).toBe('string');
  });

  it('RecognizeCompleted: the result and code follow the recognitionType given', () => {
    const speech = callEvents.recognizeCompleted({ recognitionType: 'speech' });
    expect(speech.data).not.toHaveProperty('dtmfResult');
    expect(speech.data).toMatchObject({
      speechResult: { speech: expect.any(String) },
      resultInformation: resultCodes.recognizeSpeechRecognized,
    });
    const choice = callEvents.recognizeCompleted({ recognitionType: 'choices' });
    expect(choice.data).not.toHaveProperty('dtmfResult');
    expect(choice.data).toMatchObject({
      choiceResult: { label: expect.any(String) },
      resultInformation: resultCodes.recognizeSpeechOptionMatched,
    });
    expect(callEvents.recognizeCompleted().data).toMatchObject({
      recognitionType: 'dtmf',
      dtmfResult: { tones: ['one'] },
    });
  });

  it('every event carries version and publicEventType, as live events do', () => {
    for (const kind of CALL_AUTOMATION_EVENT_KINDS) {
      const event = callEvent(kind);
      expect(event.data).toMatchObject({
        version: expect.any(String),
        publicEventType: `Microsoft.Communication.${kind}`,
      });
    }
    expect(callEvents.participantsUpdated().data.resultInformation).toEqual({
      code: 200,
      subCode: 0,
      message: '',
    });
  });

  it('IncomingCall: Event Grid schema and CloudEvents schema', () => {
    const grid = incomingCallEvent({ from: phoneNumber('+15551230000'), callerDisplayName: 'Ada' });
    expect(grid).toMatchObject({
      eventType: 'Microsoft.Communication.IncomingCall',
      dataVersion: '1.0',
      metadataVersion: '1',
      subject: expect.stringMatching(/^\/caller\/4:\+15551230000\/recipient\/8:acs:/),
      data: {
        from: { kind: 'phoneNumber', rawId: '4:+15551230000' },
        to: { kind: 'communicationUser' },
        callerDisplayName: 'Ada',
        incomingCallContext: expect.any(String),
        serverCallId: expect.any(String),
        correlationId: expect.any(String),
      },
    });
    const cloud = incomingCallCloudEvent({ incomingCallContext: 'ctx' });
    expect(cloud).toMatchObject({
      type: 'Microsoft.Communication.IncomingCall',
      specversion: '1.0',
      source: expect.stringContaining('/communicationServices/'),
      data: { incomingCallContext: 'ctx' },
    });
    // The SDK's 1.6 parser does not know IncomingCall: the library must handle it itself.
    expect(() => parseCallAutomationEvent(structuredClone(cloud))).toThrow(TypeError);
  });

  it('SubscriptionValidationEvent in the Event Grid schema', () => {
    const event = subscriptionValidationEvent({ validationCode: 'ABC' });
    expect(event).toMatchObject({
      eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
      data: { validationCode: 'ABC', validationUrl: expect.stringContaining('ABC') },
    });
  });
});
