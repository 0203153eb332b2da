import type {
  AddParticipantFailed,
  AddParticipantSucceeded,
  CallConnected,
  CallDisconnected,
  CreateCallFailed,
  HoldFailed,
  PlayCanceled,
  PlayCompleted,
  PlayFailed,
  RecognizeCanceled,
  RecognizeCompleted,
  RecognizeFailed,
} from '@azure/communication-call-automation';
import { CallAutomationTimeoutError, type EventResult } from 'nestjs-call-automation';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  AGENT,
  CALLER,
  connectedCall,
  endCall,
  GREETING,
  type RestErrorShape,
  UUID,
  useClientHarness,
} from './support';

describe('outcomes of awaitable operations against the emulator', () => {
  const harness = useClientHarness();

  it('a request the service refuses rejects at once with the SDK’s RestError and leaves no pending operation', async () => {
    const { calls, emulator } = harness;
    const { id, connection, media } = await connectedCall(harness);
    const before = harness.pendingOperations();

    emulator.script.nextOperation('createCall', { restError: 403 });
    const refusedCall = (await calls
      .createCall({ targetParticipant: CALLER })
      .catch((caught: unknown) => caught)) as RestErrorShape;
    expect(refusedCall).toMatchObject({ name: 'RestError', statusCode: 403 });

    emulator.call(id).nextOperation('play', {
      restError: { status: 400, code: '8523', message: 'playSources is invalid.' },
    });
    const refusedPlay = (await media
      .playToAll([GREETING])
      .catch((caught: unknown) => caught)) as RestErrorShape;
    expect(refusedPlay).toMatchObject({ name: 'RestError', statusCode: 400, code: '8523' });
    expect(refusedPlay.message).toContain('playSources is invalid.');

    emulator.call(id).nextOperation('addParticipant', { restError: 404 });
    await expect(connection.addParticipant({ targetParticipant: AGENT })).rejects.toMatchObject({
      name: 'RestError',
      statusCode: 404,
    });
    // hangUp has no failure event: a refused hang-up (an unknown call) is the RestError too.
    await expect(calls.getCallConnection('no-such-call').hangUp(true)).rejects.toMatchObject({
      name: 'RestError',
      statusCode: 404,
    });
    expect(harness.pendingOperations()).toBe(before);
    expect(emulator.script.pending).toBe(0);
    await endCall(harness, id);
  });

  it('a request the SDK retries (503, a lost response) is still one operation with one outcome', async () => {
    const { id, connection, media } = await connectedCall(harness);
    const before = harness.pendingOperations();
    harness.emulator.call(id).nextOperation('addParticipant', { restError: 503 });
    const added = await connection.addParticipant({ targetParticipant: AGENT });
    expect((await added.waitForEventProcessor({ timeoutMs: 5_000 })).successResult?.kind).toBe(
      'AddParticipantSucceeded',
    );
    harness.emulator.call(id).nextOperation('play', { dropResponse: true });
    const play = await media.playToAll([GREETING]);
    expect((await play.waitForEventProcessor({ timeoutMs: 5_000 })).successResult?.kind).toBe(
      'PlayCompleted',
    );
    const attempts = harness.emulator.requests.filter(
      (request) => request.callConnectionId === id && request.operation === 'addParticipant',
    );
    expect(attempts.map((request) => request.status)).toEqual([503, 202]);
    expect(harness.pendingOperations()).toBe(before);
    await endCall(harness, id);
  });

  it('an outcome that comes before the HTTP answer is kept (mid-call and createCall)', async () => {
    const { emulator, calls } = harness;
    const { id, media } = await connectedCall(harness);
    const before = harness.pendingOperations();
    emulator.call(id).nextOperation('play', { eventBeforeResponse: true });
    const play = await media.playToAll([GREETING]);
    // Settled already when the SDK call returned: the event beat the answer.
    expect(harness.pendingOperations()).toBe(before);
    const completed = emulator.deliveries.find(
      (attempt) =>
        attempt.kind === 'PlayCompleted' && attempt.operationContext === play.operationContext,
    );
    const answered = emulator.requests.findLast(
      (request) => request.operation === 'play' && request.callConnectionId === id,
    );
    expect(completed?.ok).toBe(true);
    expect(completed?.at.getTime()).toBeLessThanOrEqual(answered?.at.getTime() ?? 0);
    expect((await play.waitForEventProcessor()).successResult).toMatchObject({
      kind: 'PlayCompleted',
      operationContext: play.operationContext,
    });
    await endCall(harness, id);

    // createCall: the call's id is not known until the answer, yet CallConnected is matched.
    emulator.script.nextOperation('createCall', { eventBeforeResponse: true });
    const call = await calls.createCall({ targetParticipant: CALLER });
    const outcome = await call.waitForEventProcessor({ timeoutMs: 1_000 });
    expect(outcome.successResult).toMatchObject({
      kind: 'CallConnected',
      callConnectionId: call.callConnectionProperties.callConnectionId,
    });
    await endCall(harness, call.callConnectionProperties.callConnectionId ?? '');

    emulator.script.nextOperation('createCall', { eventBeforeResponse: true, fail: 'declined' });
    const failing = await calls.createCall({ targetParticipant: CALLER });
    const failed = await failing.waitForEventProcessor({ timeoutMs: 1_000 });
    expect(failed.failureResult).toMatchObject({ kind: 'CreateCallFailed' });
  });

  it('an outcome that comes before waitForEventProcessor() is called is kept, for every later wait', async () => {
    const { id, media } = await connectedCall(harness);
    const play = await media.playToAll([GREETING]);
    await harness.emulator.waitForDelivery({
      kind: 'PlayCompleted',
      operationContext: play.operationContext,
      ok: true,
    });
    const first = await play.waitForEventProcessor({ timeoutMs: 1_000 });
    const second = await play.waitForEventProcessor({ timeoutMs: 1_000 });
    expect(first.successResult).toMatchObject({ kind: 'PlayCompleted' });
    expect(second).toEqual(first);
    await endCall(harness, id);
  });

  it('waitForEventProcessor({ timeoutMs }) rejects with CallAutomationTimeoutError; a later wait still gets the outcome', async () => {
    const { id, media } = await connectedCall(harness);
    const held = harness.emulator.holdEvents({ kind: 'PlayCompleted', callConnectionId: id });
    const play = await media.playToAll([GREETING], { operationContext: 'late-greeting' });
    await held.waitFor(1);
    const error = await play.waitForEventProcessor({ timeoutMs: 30 }).catch((caught) => caught);
    expect(error).toBeInstanceOf(CallAutomationTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 30 });
    expect((error as Error).message).toMatch(/PlayCompleted.*late-greeting/);

    const later = play.waitForEventProcessor({ timeoutMs: 5_000 });
    await held.release();
    expect((await later).successResult).toMatchObject({
      kind: 'PlayCompleted',
      operationContext: 'late-greeting',
    });
    await endCall(harness, id);
  });

  it('an AbortSignal ends a wait with its reason; the operation stays pending for a later wait', async () => {
    const { id, media } = await connectedCall(harness);
    const held = harness.emulator.holdEvents({ kind: 'PlayCompleted', callConnectionId: id });
    const play = await media.playToAll([GREETING]);
    await held.waitFor(1);
    const before = harness.pendingOperations();

    const alreadyAborted = AbortSignal.abort(new Error('gave up before waiting'));
    await expect(play.waitForEventProcessor({ signal: alreadyAborted })).rejects.toThrow(
      'gave up before waiting',
    );
    const controller = new AbortController();
    const waiting = play.waitForEventProcessor({ signal: controller.signal });
    const reason = new Error('the caller left the menu');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(harness.pendingOperations()).toBe(before);

    const later = play.waitForEventProcessor({ timeoutMs: 5_000 });
    await held.release();
    expect((await later).isSuccess).toBe(true);
    await endCall(harness, id);
  });

  it('a remote hang-up settles a pending play with { isSuccess: false, failureResult: CallDisconnected } at once', async () => {
    const { id, media } = await connectedCall(harness);
    const before = harness.pendingOperations();
    const play = await media.playToAll([GREETING], { loop: true });
    const dtmf = await media.startContinuousDtmfRecognition(CALLER);
    expect(harness.pendingOperations()).toBe(before + 2);
    const waiting = play.waitForEventProcessor(); // the default timeout is four minutes
    await harness.emulator.call(id).hangUp();
    const outcome = await waiting;
    expect(outcome).toEqual({
      isSuccess: false,
      failureResult: expect.objectContaining({ kind: 'CallDisconnected', callConnectionId: id }),
    });
    expect((await dtmf.waitForEventProcessor()).failureResult?.kind).toBe('CallDisconnected');
    expect(harness.pendingOperations()).toBe(before);
  });

  it('waitForEventProcessor called only after the call disconnected still gets the CallDisconnected failure', async () => {
    const { id, media } = await connectedCall(harness);
    const play = await media.playToAll([GREETING], { loop: true });
    await harness.emulator.call(id).hangUp(); // resolves once the app has taken CallDisconnected
    const outcome = await play.waitForEventProcessor({ timeoutMs: 1_000 });
    expect(outcome.isSuccess).toBe(false);
    // The other party hung up: 200/5001, as real ACS reports it (7000 is the app's own hang-up).
    expect(outcome.failureResult).toMatchObject({
      kind: 'CallDisconnected',
      callConnectionId: id,
      resultInformation: { code: 200, subCode: 5001 },
    });
  });

  it('keeps an operationContext the caller gives, on the result and on the outcome event', async () => {
    const { calls, emulator } = harness;
    const call = await calls.createCall(
      { targetParticipant: CALLER },
      { operationContext: 'outbound-42' },
    );
    expect(call.operationContext).toBe('outbound-42');
    const connected = await call.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(connected.successResult?.operationContext).toBe('outbound-42');
    const id = connected.successResult?.callConnectionId ?? '';

    const play = await calls
      .getCallMedia(id)
      .playToAll([GREETING], { operationContext: 'greeting' });
    expect(play.operationContext).toBe('greeting');
    const played = await play.waitForEventProcessor();
    expect(played.successResult?.operationContext).toBe('greeting');
    // What the emulator posted (logged once the app has answered it).
    const delivered = await emulator.waitForDelivery({
      kind: 'PlayCompleted',
      callConnectionId: id,
    });
    expect(delivered.operationContext).toBe('greeting');
    await endCall(harness, id);
  });

  it('an empty operationContext counts as none: a fresh UUID is sent and the outcome matched', async () => {
    const { id, connection, media } = await connectedCall(harness);
    // The SDK swaps '' for a UUID of its own on playToAll and removeParticipant: an operation
    // that waited for '' would never settle.
    const play = await media.playToAll([GREETING], { operationContext: '' });
    expect(play.operationContext).toMatch(UUID);
    expect((await play.waitForEventProcessor({ timeoutMs: 5_000 })).successResult).toMatchObject({
      kind: 'PlayCompleted',
      operationContext: play.operationContext,
    });
    const removed = await connection.removeParticipant(CALLER, { operationContext: '' });
    expect(removed.operationContext).toMatch(UUID);
    const outcome = await removed.waitForEventProcessor({ timeoutMs: 5_000 });
    expect(outcome.successResult?.operationContext).toBe(removed.operationContext);
    await endCall(harness, id);
  });

  it('rejects an invalid timeoutMs with a TypeError, as waitForEvent does', async () => {
    const { id, media } = await connectedCall(harness);
    await expect(
      harness.processor.waitForEvent({ kind: 'PlayCompleted' }, { timeoutMs: -1 }),
    ).rejects.toThrow(TypeError);
    const held = harness.emulator.holdEvents({ kind: 'PlayCompleted', callConnectionId: id });
    try {
      const play = await media.playToAll([GREETING]);
      await expect(play.waitForEventProcessor({ timeoutMs: -1 })).rejects.toThrow(TypeError);
    } finally {
      held.discard();
      await endCall(harness, id);
    }
  });

  it('tells two pending operations of one call apart, and one context reused on two calls', async () => {
    const { id, media } = await connectedCall(harness);
    const held = harness.emulator.holdEvents({ kind: 'PlayCompleted', operationContext: 'first' });
    const first = await media.playToAll([GREETING], { operationContext: 'first' });
    const second = await media.play([GREETING], [CALLER], { operationContext: 'second' });
    // The second play runs once the first ended (its PlayCompleted is held back, not lost).
    const secondOutcome = await second.waitForEventProcessor({ timeoutMs: 10_000 });
    expect(secondOutcome.successResult?.operationContext).toBe('second');
    await expect(first.waitForEventProcessor({ timeoutMs: 20 })).rejects.toBeInstanceOf(
      CallAutomationTimeoutError,
    );
    await held.release();
    const firstOutcome = await first.waitForEventProcessor({ timeoutMs: 5_000 });
    expect(firstOutcome.successResult?.operationContext).toBe('first');

    // The same fixed context on two calls: each call's operation takes its own call's event.
    const other = await connectedCall(harness);
    const menuA = await media.playToAll([GREETING], { operationContext: 'mainMenu' });
    const menuB = await other.media.playToAll([GREETING], { operationContext: 'mainMenu' });
    const [a, b] = await Promise.all([
      menuA.waitForEventProcessor({ timeoutMs: 10_000 }),
      menuB.waitForEventProcessor({ timeoutMs: 10_000 }),
    ]);
    expect(a.successResult?.callConnectionId).toBe(id);
    expect(b.successResult?.callConnectionId).toBe(other.id);
    await endCall(harness, id);
    await endCall(harness, other.id);
  });

  it('types each outcome after its operation (compile-time checks)', async () => {
    const { id, connection, media } = await connectedCall(harness);
    const play = await media.playToAll([GREETING]);
    const played = await play.waitForEventProcessor();
    expectTypeOf(played.successResult).toEqualTypeOf<PlayCompleted | undefined>();
    expectTypeOf(played.failureResult).toEqualTypeOf<
      PlayFailed | PlayCanceled | CallDisconnected | undefined
    >();
    expectTypeOf(played).toEqualTypeOf<EventResult<PlayCompleted, PlayFailed | PlayCanceled>>();
    expect(played.successResult?.kind).toBe('PlayCompleted');

    const recognize = await media.startRecognizing(CALLER, {
      kind: 'callMediaRecognizeDtmfOptions',
    });
    expectTypeOf(recognize.waitForEventProcessor).returns.resolves.toEqualTypeOf<
      EventResult<RecognizeCompleted, RecognizeFailed | RecognizeCanceled>
    >();
    expectTypeOf(connection.addParticipant).returns.resolves.toHaveProperty('invitationId');
    const added = await connection.addParticipant({ targetParticipant: AGENT });
    expectTypeOf(added.waitForEventProcessor).returns.resolves.toEqualTypeOf<
      EventResult<AddParticipantSucceeded, AddParticipantFailed>
    >();
    expectTypeOf(media.hold).returns.resolves.toHaveProperty('waitForEventProcessor');
    const hold = await media.hold(CALLER);
    expectTypeOf(hold.waitForEventProcessor).returns.resolves.toEqualTypeOf<
      EventResult<never, HoldFailed>
    >();
    expectTypeOf(harness.calls.createCall).returns.resolves.toHaveProperty(
      'callConnectionProperties',
    );
    const call = await harness.calls.createCall({ targetParticipant: CALLER });
    expectTypeOf(call.waitForEventProcessor).returns.resolves.toEqualTypeOf<
      EventResult<CallConnected, CreateCallFailed>
    >();
    await Promise.all([
      recognize.waitForEventProcessor(),
      added.waitForEventProcessor(),
      call.waitForEventProcessor(),
    ]);
    await endCall(harness, id);
    await endCall(harness, call.callConnectionProperties.callConnectionId ?? '');
  });
});
