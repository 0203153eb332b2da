import type { CallAutomationClient } from '@azure/communication-call-automation';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  CallAutomationModule,
  CallAutomationService,
  EventProcessorService,
  KNOWN_CALL_EVENT_KINDS,
  OPERATION_EVENTS,
  type OperationName,
} from 'nestjs-call-automation';
import { FAILURE_EVENT_KIND } from 'nestjs-call-automation/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cloudEvent } from '../support/events';

/**
 * The reference table (/work/shared/notes/reference-processor.md, after the .NET SDK's event
 * results), plus the operations the reference does not list, as API.md describes them.
 */
const REFERENCE: Record<OperationName, { success: string[]; failure: string[] }> = {
  createCall: { success: ['CallConnected'], failure: ['CreateCallFailed'] },
  createGroupCall: { success: ['CallConnected'], failure: ['CreateCallFailed'] },
  answerCall: { success: ['CallConnected'], failure: ['AnswerFailed'] },
  connectCall: { success: ['CallConnected'], failure: ['ConnectFailed'] },
  addParticipant: { success: ['AddParticipantSucceeded'], failure: ['AddParticipantFailed'] },
  removeParticipant: {
    success: ['RemoveParticipantSucceeded'],
    failure: ['RemoveParticipantFailed'],
  },
  transferCallToParticipant: { success: ['CallTransferAccepted'], failure: ['CallTransferFailed'] },
  cancelAddParticipantOperation: {
    success: ['CancelAddParticipantSucceeded'],
    failure: ['CancelAddParticipantFailed'],
  },
  play: { success: ['PlayCompleted'], failure: ['PlayFailed', 'PlayCanceled'] },
  playToAll: { success: ['PlayCompleted'], failure: ['PlayFailed', 'PlayCanceled'] },
  startRecognizing: {
    success: ['RecognizeCompleted'],
    failure: ['RecognizeFailed', 'RecognizeCanceled'],
  },
  sendDtmfTones: { success: ['SendDtmfTonesCompleted'], failure: ['SendDtmfTonesFailed'] },
  startContinuousDtmfRecognition: {
    success: ['ContinuousDtmfRecognitionToneReceived'],
    failure: ['ContinuousDtmfRecognitionToneFailed'],
  },
  hold: { success: [], failure: ['HoldFailed'] },
  startTranscription: { success: ['TranscriptionStarted'], failure: ['TranscriptionFailed'] },
  stopTranscription: { success: ['TranscriptionStopped'], failure: ['TranscriptionFailed'] },
  startMediaStreaming: { success: ['MediaStreamingStarted'], failure: ['MediaStreamingFailed'] },
  stopMediaStreaming: { success: ['MediaStreamingStopped'], failure: ['MediaStreamingFailed'] },
  // Not in the reference table:
  hangUp: { success: ['CallDisconnected'], failure: [] },
  unhold: { success: [], failure: ['HoldFailed'] },
  muteParticipant: { success: [], failure: [] },
  moveParticipants: { success: ['MoveParticipantSucceeded'], failure: ['MoveParticipantFailed'] },
  stopContinuousDtmfRecognition: {
    success: ['ContinuousDtmfRecognitionStopped'],
    failure: ['ContinuousDtmfRecognitionToneFailed'],
  },
  updateTranscription: { success: ['TranscriptionUpdated'], failure: ['TranscriptionFailed'] },
};

describe('OPERATION_EVENTS: the success and failure events of each operation', () => {
  it.each(Object.keys(REFERENCE) as OperationName[])('%s', (name) => {
    const events = OPERATION_EVENTS[name];
    expect({ success: [...events.success], failure: [...events.failure] }).toEqual(REFERENCE[name]);
  });

  it('covers exactly the reference’s operations and names only kinds the SDK parses', () => {
    expect(Object.keys(OPERATION_EVENTS).sort()).toEqual(Object.keys(REFERENCE).sort());
    const known = new Set<string>(KNOWN_CALL_EVENT_KINDS);
    for (const { success, failure } of Object.values(OPERATION_EVENTS)) {
      for (const kind of [...success, ...failure]) expect(known.has(kind), kind).toBe(true);
    }
  });

  it('agrees with the failure event the emulator sends for each operation', () => {
    // 'play' in the emulator serves both play and playToAll (one REST action).
    for (const [operation, kind] of Object.entries(FAILURE_EVENT_KIND)) {
      if (!(operation in OPERATION_EVENTS)) continue; // startRecording is not wrapped
      const failure: readonly string[] = OPERATION_EVENTS[operation as OperationName].failure;
      expect(failure, operation).toContain(kind);
    }
  });
});

/** An SDK client stand-in: it answers every request as accepted and records what was sent. */
function fakeClient(sent: unknown[]): CallAutomationClient {
  const accepted = async (...args: unknown[]) => {
    sent.push(args);
    return {};
  };
  const media = {
    playToAll: accepted,
    hold: accepted,
  };
  const connection = {
    getCallMedia: () => media,
    hangUp: accepted,
  };
  return {
    createCall: async (...args: unknown[]) => {
      sent.push(args);
      return { callConnectionProperties: { callConnectionId: 'c-created' } };
    },
    getCallConnection: () => connection,
  } as unknown as CallAutomationClient;
}

describe('EventResult: what a success, a failure and a disconnect produce', () => {
  let moduleRef: TestingModule;
  let calls: CallAutomationService;
  let processor: EventProcessorService;
  const sent: unknown[] = [];

  beforeEach(async () => {
    sent.length = 0;
    moduleRef = await Test.createTestingModule({
      imports: [
        CallAutomationModule.forRoot({
          client: fakeClient(sent),
          callbackUri: 'https://bot.example.com/api/callbacks',
        }),
      ],
    }).compile();
    await moduleRef.init();
    calls = moduleRef.get(CallAutomationService);
    processor = moduleRef.get(EventProcessorService);
  });
  afterEach(() => moduleRef.close());

  it('a success event: { isSuccess: true, successResult } and nothing else', async () => {
    const play = await calls.getCallMedia('c1').playToAll([{ kind: 'fileSource', url: 'u' }]);
    expect(sent).toEqual([
      [
        [{ kind: 'fileSource', url: 'u' }],
        {
          operationContext: play.operationContext,
          operationCallbackUrl: 'https://bot.example.com/api/callbacks',
        },
      ],
    ]);
    await processor.processEvents([
      cloudEvent('PlayCompleted', {
        callConnectionId: 'c1',
        operationContext: play.operationContext,
      }),
    ]);
    const outcome = await play.waitForEventProcessor({ timeoutMs: 100 });
    expect(Object.keys(outcome).sort()).toEqual(['isSuccess', 'successResult']);
    expect(outcome).toStrictEqual({
      isSuccess: true,
      successResult: expect.objectContaining({
        kind: 'PlayCompleted',
        callConnectionId: 'c1',
        operationContext: play.operationContext,
      }),
    });
  });

  it('a failure event (PlayFailed, PlayCanceled): { isSuccess: false, failureResult }', async () => {
    for (const kind of ['PlayFailed', 'PlayCanceled']) {
      const play = await calls.getCallMedia('c1').playToAll([{ kind: 'fileSource', url: 'u' }]);
      await processor.processEvents([
        cloudEvent(kind, { callConnectionId: 'c1', operationContext: play.operationContext }),
      ]);
      const outcome = await play.waitForEventProcessor({ timeoutMs: 100 });
      expect(Object.keys(outcome).sort()).toEqual(['failureResult', 'isSuccess']);
      expect(outcome).toStrictEqual({
        isSuccess: false,
        failureResult: expect.objectContaining({ kind, operationContext: play.operationContext }),
      });
    }
  });

  it('ignores events of other kinds, other contexts and other calls', async () => {
    const play = await calls.getCallMedia('c1').playToAll([{ kind: 'fileSource', url: 'u' }]);
    const context = play.operationContext;
    await processor.processEvents([
      cloudEvent('PlayStarted', { callConnectionId: 'c1', operationContext: context }),
      cloudEvent('PlayCompleted', { callConnectionId: 'c1', operationContext: 'someone-else' }),
      cloudEvent('PlayCompleted', { callConnectionId: 'c2', operationContext: context }),
    ]);
    await expect(play.waitForEventProcessor({ timeoutMs: 10 })).rejects.toThrow(/Timed out/);
    expect(processor.snapshot().pendingOperations).toBe(1);
  });

  it('a disconnect: { isSuccess: false, failureResult: CallDisconnected }, and success for hangUp', async () => {
    const play = await calls.getCallMedia('c1').playToAll([{ kind: 'fileSource', url: 'u' }]);
    const hangUp = await calls.getCallConnection('c1').hangUp(true);
    await processor.processEvents([cloudEvent('CallDisconnected', { callConnectionId: 'c1' })]);
    expect(await play.waitForEventProcessor({ timeoutMs: 100 })).toStrictEqual({
      isSuccess: false,
      failureResult: expect.objectContaining({ kind: 'CallDisconnected', callConnectionId: 'c1' }),
    });
    expect(await hangUp.waitForEventProcessor({ timeoutMs: 100 })).toStrictEqual({
      isSuccess: true,
      successResult: expect.objectContaining({ kind: 'CallDisconnected', callConnectionId: 'c1' }),
    });
    expect(processor.snapshot().pendingOperations).toBe(0);
  });

  it('an operation with no success event: { isSuccess: true } once accepted', async () => {
    const hold = await calls.getCallMedia('c1').hold({ communicationUserId: '8:acs:u' });
    expect(await hold.waitForEventProcessor({ timeoutMs: 10 })).toStrictEqual({ isSuccess: true });
    expect(processor.snapshot().pendingOperations).toBe(0);
  });

  it('createCall: matched by context before the answer names the call, then by call and context', async () => {
    const call = await calls.createCall(
      { targetParticipant: { communicationUserId: '8:acs:u' } },
      { operationContext: 'outbound' },
    );
    expect(sent).toEqual([
      [
        { targetParticipant: { communicationUserId: '8:acs:u' } },
        'https://bot.example.com/api/callbacks',
        { operationContext: 'outbound' },
      ],
    ]);
    // The same context on another call is not this operation's outcome.
    await processor.processEvents([
      cloudEvent('CallConnected', { callConnectionId: 'c-other', operationContext: 'outbound' }),
    ]);
    await expect(call.waitForEventProcessor({ timeoutMs: 10 })).rejects.toThrow(/Timed out/);
    await processor.processEvents([
      cloudEvent('CallConnected', { callConnectionId: 'c-created', operationContext: 'outbound' }),
    ]);
    expect(await call.waitForEventProcessor({ timeoutMs: 100 })).toStrictEqual({
      isSuccess: true,
      successResult: expect.objectContaining({
        kind: 'CallConnected',
        callConnectionId: 'c-created',
      }),
    });
  });
});
