import { DtmfTone } from '@azure/communication-call-automation';
import { Test } from '@nestjs/testing';
import {
  CallAutomationConfigurationError,
  CallAutomationModule,
  CallAutomationService,
  CallAutomationShutdownError,
  EventProcessorService,
} from 'nestjs-call-automation';
import { CallbackCollector } from 'nestjs-call-automation/testing';
import { describe, expect, it } from 'vitest';
import {
  AGENT,
  CALLER,
  connectedCall,
  endCall,
  GREETING,
  startHarness,
  useClientHarness,
} from './support';

describe('CallAutomationService configuration, end to end', () => {
  const harness = useClientHarness();

  it('options.callbackUrl overrides the module’s callbackUri for createCall and answerCall', async () => {
    const { calls, emulator, callbackUri, processor, incomingCallUrl } = harness;
    const override = `${callbackUri}?leg=outbound`;
    const call = await calls.createCall({ targetParticipant: CALLER }, { callbackUrl: override });
    const id = call.callConnectionProperties.callConnectionId ?? '';
    expect(emulator.call(id).callbackUri).toBe(override);
    expect((await call.waitForEventProcessor()).successResult?.kind).toBe('CallConnected');
    const connected = await emulator.waitForDelivery({
      kind: 'CallConnected',
      callConnectionId: id,
    });
    expect(connected.url).toBe(override);
    await endCall(harness, id);

    const incoming = await emulator.placeIncomingCall({ url: incomingCallUrl });
    const event = await processor.waitForEvent({ kind: 'IncomingCall' });
    const answerUrl = `${callbackUri}?leg=inbound`;
    const answered = await calls.answerCall(event.incomingCallContext, { callbackUrl: answerUrl });
    expect((await answered.waitForEventProcessor()).isSuccess).toBe(true);
    expect((await incoming.waitForAnswer()).callbackUri).toBe(answerUrl);
    await endCall(harness, answered.callConnectionProperties.callConnectionId ?? '');
  });

  it('fills in the module’s callbackUri as operationCallbackUri of mid-call operations, unless one is given', async () => {
    const { calls, emulator, callbackUri } = harness;
    const callUrl = `${callbackUri}?leg=call`;
    const call = await calls.createCall({ targetParticipant: CALLER }, { callbackUrl: callUrl });
    await call.waitForEventProcessor();
    const id = call.callConnectionProperties.callConnectionId ?? '';
    const connection = calls.getCallConnection(id);
    const media = connection.getCallMedia();

    const operations = [
      await media.playToAll([GREETING]),
      await media.sendDtmfTones([DtmfTone.One], CALLER),
      await media.startTranscription(),
      await connection.addParticipant({ targetParticipant: AGENT }),
    ];
    for (const operation of operations) {
      const outcome = await operation.waitForEventProcessor({ timeoutMs: 10_000 });
      expect(outcome.isSuccess).toBe(true);
      const delivered = await emulator.waitForDelivery({
        operationContext: operation.operationContext,
        ok: true,
      });
      expect(delivered.url, `${delivered.kind} goes to the module's callbackUri`).toBe(callbackUri);
    }
    // Events that belong to the call, not to an operation, still go to the call's URL.
    const roster = await emulator.waitForDelivery({
      kind: 'ParticipantsUpdated',
      callConnectionId: id,
    });
    expect(roster.url).toBe(callUrl);

    const ownUrl = `${callbackUri}?leg=operation`;
    const own = await media.playToAll([GREETING], { operationCallbackUrl: ownUrl });
    expect((await own.waitForEventProcessor()).isSuccess).toBe(true);
    const ownDelivery = await emulator.waitForDelivery({
      kind: 'PlayCompleted',
      operationContext: own.operationContext,
    });
    expect(ownDelivery.url).toBe(ownUrl);
    await endCall(harness, id);
  });

  it('mid-call outcomes reach this app even on a call whose callbacks go elsewhere', async () => {
    const { calls, emulator } = harness;
    const elsewhere = await CallbackCollector.start();
    try {
      const call = await calls.createCall(
        { targetParticipant: CALLER },
        { callbackUrl: elsewhere.url('/other-app') },
      );
      const id = call.callConnectionProperties.callConnectionId ?? '';
      await elsewhere.waitForEvent({ kind: 'CallConnected', callConnectionId: id });
      const play = await calls.getCallMedia(id).playToAll([GREETING]);
      const outcome = await play.waitForEventProcessor({ timeoutMs: 10_000 });
      expect(outcome.successResult).toMatchObject({ kind: 'PlayCompleted', callConnectionId: id });
      expect(
        elsewhere.events.some(
          ({ event }) => event.type === 'Microsoft.Communication.PlayCompleted',
        ),
      ).toBe(false);
      await emulator.call(id).hangUp();
    } finally {
      await elsewhere.close();
    }
  });

  it('verifies the emulator’s signed callbacks: a token for another audience gets 401 and settles nothing', async () => {
    const { emulator, test, callbackUri } = harness;
    const { id, media } = await connectedCall(harness);
    const held = emulator.holdEvents({ kind: 'PlayCompleted', callConnectionId: id });
    const play = await media.playToAll([GREETING]);
    const [event] = await held.waitFor(1);
    const forged = await emulator.signToken({ audience: 'another-resource' });
    const response = await test.post('api/callbacks', [event], {
      authorization: `Bearer ${forged}`,
    });
    expect(response.status).toBe(401);
    const unsigned = await test.post('api/callbacks', [event]);
    expect(unsigned.status).toBe(401);
    await expect(play.waitForEventProcessor({ timeoutMs: 20 })).rejects.toThrow(/Timed out/);

    const [delivered] = await held.release();
    expect(delivered).toMatchObject({ ok: true, status: 200, url: callbackUri });
    expect((await play.waitForEventProcessor()).isSuccess).toBe(true);
    await endCall(harness, id);
  });

  it('without the module’s callbackUri: createCall needs options.callbackUrl, mid-call events use the call’s URL', async () => {
    const bare = await startHarness({ module: { callbackUri: undefined } });
    try {
      await expect(bare.calls.createCall({ targetParticipant: CALLER })).rejects.toThrow(
        CallAutomationConfigurationError,
      );
      await expect(bare.calls.createGroupCall([CALLER])).rejects.toThrow(/callbackUri/);
      expect(bare.pendingOperations()).toBe(0);

      const callUrl = bare.test.url('api/callbacks');
      const call = await bare.calls.createCall(
        { targetParticipant: CALLER },
        { callbackUrl: callUrl },
      );
      expect((await call.waitForEventProcessor()).isSuccess).toBe(true);
      const id = call.callConnectionProperties.callConnectionId ?? '';
      const play = await bare.calls.getCallMedia(id).playToAll([GREETING]);
      expect((await play.waitForEventProcessor({ timeoutMs: 10_000 })).isSuccess).toBe(true);
      const delivered = await bare.emulator.waitForDelivery({
        kind: 'PlayCompleted',
        operationContext: play.operationContext,
      });
      expect(delivered.url).toBe(callUrl);
      await endCall(bare, id);
    } finally {
      await bare.close();
    }
  });

  it('on shutdown, pending operation waits reject at once with CallAutomationShutdownError', async () => {
    const own = await startHarness();
    try {
      const { media } = await connectedCall(own);
      const play = await media.playToAll([GREETING], { loop: true });
      const waiting = play.waitForEventProcessor(); // the default timeout is four minutes
      await own.test.close();
      const error = await waiting.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CallAutomationShutdownError);
      expect((error as Error).message).toMatch(/shutting down.*PlayCompleted/);
      await expect(play.waitForEventProcessor()).rejects.toBeInstanceOf(
        CallAutomationShutdownError,
      );
    } finally {
      await own.emulator.stop();
    }
  });

  it('without connectionString the service still injects; its operations fail naming the option', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CallAutomationModule.forRoot({ callbackUri: 'https://bot.example.com/api/callbacks' }),
      ],
    }).compile();
    try {
      const calls = moduleRef.get(CallAutomationService);
      expect(calls).toBeInstanceOf(CallAutomationService);
      const error = await calls
        .createCall({ targetParticipant: CALLER })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CallAutomationConfigurationError);
      expect((error as Error).message).toMatch(/connectionString/);
      await expect(calls.answerCall('context')).rejects.toThrow(/connectionString/);
      expect(() => calls.getCallMedia('call-1')).toThrow(/connectionString/);
      expect(() => calls.client).toThrow(CallAutomationConfigurationError);
      expect(moduleRef.get(EventProcessorService).snapshot().pendingOperations).toBe(0);
    } finally {
      await moduleRef.close();
    }
  });
});
