import 'reflect-metadata';
import { createHook } from 'node:async_hooks';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join, sep } from 'node:path';
import { Controller, Get, Inject, Injectable, Module, Scope } from '@nestjs/common';
import { NestFactory, REQUEST } from '@nestjs/core';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import {
  CallAutomationModule,
  type CallAutomationModuleOptions,
  CallAutomationShutdownError,
  CallDisconnectedError,
  type CallEvent,
  type CallEventMetadata,
  EventProcessorService,
  OnCallEvent,
} from 'nestjs-call-automation';
import { describe, expect, it, vi } from 'vitest';
import { ADAPTERS, startApp } from '../support/app';
import { cloudEvent } from '../support/events';

@Injectable()
class AppConfig {
  readonly values: CallAutomationModuleOptions = {
    defaultTimeoutMs: 1_234,
    webhookPath: 'from/factory',
  };
}

@Module({ providers: [AppConfig], exports: [AppConfig] })
class ConfigModule {}

describe('CallAutomationModule', () => {
  it('forRootAsync takes options from a factory with injected config', async () => {
    const test = await startApp({
      module: CallAutomationModule.forRootAsync({
        imports: [ConfigModule],
        inject: [AppConfig],
        useFactory: (config: AppConfig) => config.values,
      }),
    });
    try {
      const error = await test.processor.waitForEvent({ kind: 'Never' }).catch((e) => e);
      expect(error.timeoutMs).toBe(1_234);
      expect((await test.post('from/factory', [cloudEvent('CallConnected')])).status).toBe(200);
    } finally {
      await test.close();
    }
  });

  it('lets route options given beside useFactory win over the factory', async () => {
    const test = await startApp({
      module: CallAutomationModule.forRootAsync({
        useFactory: async () => ({ webhookPath: 'ignored' }),
        webhookPath: 'beside/factory',
        incomingCallPath: 'beside/incoming',
      }),
    });
    try {
      expect((await test.post('beside/factory', [cloudEvent('CallConnected')])).status).toBe(200);
      expect((await test.post('ignored', [cloudEvent('CallConnected')])).status).toBe(404);
    } finally {
      await test.close();
    }
  });

  it('fails start-up with a message that names a wrong option', async () => {
    const compile = Test.createTestingModule({
      imports: [CallAutomationModule.forRoot({ defaultTimeoutMs: -5 })],
    }).compile();
    await expect(compile).rejects.toThrow(
      /CallAutomationModule: defaultTimeoutMs must be a whole number >= 0 \(or Infinity\), got number -5/,
    );
    const asyncCompile = Test.createTestingModule({
      imports: [CallAutomationModule.forRootAsync({ useFactory: () => ({ webhookPath: '  ' }) })],
    }).compile();
    await expect(asyncCompile).rejects.toThrow(/webhookPath must be a non-empty route path/);
  });

  it('is global with isGlobal', async () => {
    @Injectable()
    class Consumer {
      constructor(readonly processor: EventProcessorService) {}
    }
    @Module({ providers: [Consumer] })
    class FeatureModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [CallAutomationModule.forRoot({ isGlobal: true }), FeatureModule],
    }).compile();
    expect(moduleRef.get(Consumer).processor).toBeInstanceOf(EventProcessorService);
    await moduleRef.close();
  });

  it('works without an HTTP server: handlers serve events fed to processEvents', async () => {
    @Injectable()
    class Recorder {
      readonly seen: string[] = [];
      @OnCallEvent(['CallConnected', 'PlayCompleted'])
      @OnCallEvent('CallRinging')
      onEvent(event: CallEvent, metadata: CallEventMetadata): void {
        this.seen.push(`${event.kind}:${metadata.id}`);
      }
    }
    @Module({ imports: [CallAutomationModule.forRoot()], providers: [Recorder] })
    class WorkerModule {}
    const app = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    const processor = app.get(EventProcessorService);
    const summary = await processor.processEvents(
      JSON.stringify([
        cloudEvent('CallConnected', { callConnectionId: 'c1' }, 'e1'),
        cloudEvent('CallRinging', { callConnectionId: 'c1' }, 'e2'),
        cloudEvent('PlayFailed', { callConnectionId: 'c1' }, 'e3'),
      ]),
    );
    expect(summary).toEqual({ received: 3, dispatched: 3, duplicates: 0 });
    await processor.whenIdle();
    expect(app.get(Recorder).seen).toEqual(['CallConnected:e1', 'CallRinging:e2']);
    await app.close();
  });

  it('resolves request-scoped handlers per event, with the event as the request', async () => {
    const created: unknown[] = [];
    @Injectable({ scope: Scope.REQUEST })
    class PerEventHandler {
      constructor(@Inject(REQUEST) readonly request: { event: CallEvent }) {
        created.push(this);
      }
      @OnCallEvent('CallConnected')
      handle(event: CallEvent): void {
        expect(this.request.event).toBe(event);
      }
    }
    const test = await startApp({ providers: [PerEventHandler] });
    try {
      await test.processor.processEvents([
        cloudEvent('CallConnected'),
        cloudEvent('CallConnected'),
      ]);
      await test.processor.whenIdle();
      expect(created).toHaveLength(2);
      expect(created[0]).not.toBe(created[1]);
      expect(test.logger.messages('error')).toEqual([]);
    } finally {
      await test.close();
    }
  });

  it('resolves request-scoped controllers per event: scoped themselves, or through a provider they inject', async () => {
    const created: { kind: string; handled: string[] }[] = [];
    @Controller({ path: 'per-event', scope: Scope.REQUEST })
    class PerEventController {
      readonly handled: string[] = [];
      constructor(@Inject(REQUEST) readonly request: { event: CallEvent }) {
        created.push({ kind: 'scoped', handled: this.handled });
      }
      @Get()
      ping(): string {
        return 'pong';
      }
      @OnCallEvent('CallConnected')
      handle(event: CallEvent, metadata: CallEventMetadata): void {
        expect(this.request.event).toBe(event);
        this.handled.push(metadata.id);
      }
    }
    @Injectable({ scope: Scope.REQUEST })
    class CurrentEvent {
      constructor(@Inject(REQUEST) readonly request: { event: CallEvent }) {}
    }
    @Controller('through-provider')
    class ThroughProviderController {
      readonly handled: string[] = [];
      constructor(readonly current: CurrentEvent) {
        created.push({ kind: 'through provider', handled: this.handled });
      }
      @OnCallEvent('PlayCompleted')
      handle(event: CallEvent, metadata: CallEventMetadata): void {
        expect(this.current.request.event).toBe(event);
        this.handled.push(metadata.id);
      }
    }
    const test = await startApp({
      controllers: [PerEventController, ThroughProviderController],
      providers: [CurrentEvent],
    });
    try {
      const posted = await test.post('api/callbacks', [
        cloudEvent('CallConnected', { callConnectionId: 'c1' }, 'e1'),
        cloudEvent('CallConnected', { callConnectionId: 'c1' }, 'e2'),
        cloudEvent('PlayCompleted', { callConnectionId: 'c1' }, 'e3'),
        cloudEvent('PlayCompleted', { callConnectionId: 'c1' }, 'e4'),
      ]);
      expect(posted.status).toBe(200);
      await test.processor.whenIdle();
      expect(test.logger.messages('error')).toEqual([]);
      // One instance per event, each handling only its own event.
      const byEvent = [...created].sort((a, b) =>
        String(a.handled).localeCompare(String(b.handled)),
      );
      expect(byEvent).toEqual([
        { kind: 'scoped', handled: ['e1'] },
        { kind: 'scoped', handled: ['e2'] },
        { kind: 'through provider', handled: ['e3'] },
        { kind: 'through provider', handled: ['e4'] },
      ]);
    } finally {
      await test.close();
    }
  });

  it('hands events processed before start-up to handlers, waiters and the event-emitter bridge', async () => {
    @Injectable()
    class Recorder {
      readonly seen: string[] = [];
      @OnCallEvent('CallConnected')
      onEvent(_event: CallEvent, metadata: CallEventMetadata): void {
        this.seen.push(`handler:${metadata.id}`);
      }
      @OnEvent('call-automation.CallConnected')
      onEmitted(_event: CallEvent, metadata: CallEventMetadata): void {
        this.seen.push(`emitter:${metadata.id}`);
      }
    }
    const EARLY = Symbol('EARLY');
    const test = await startApp({
      imports: [EventEmitterModule.forRoot()],
      providers: [
        Recorder,
        {
          // Runs while providers are built, before any lifecycle hook of the module.
          provide: EARLY,
          inject: [EventProcessorService],
          useFactory: (processor: EventProcessorService) =>
            processor.processEvents([
              cloudEvent('CallConnected', { callConnectionId: 'c1' }, 'e1'),
            ]),
        },
      ],
    });
    try {
      expect(test.app.get(EARLY)).toEqual({ received: 1, dispatched: 1, duplicates: 0 });
      await test.processor.whenIdle();
      await new Promise((resolve) => setImmediate(resolve));
      expect(test.app.get(Recorder).seen.sort()).toEqual(['emitter:e1', 'handler:e1']);
      await expect(
        test.processor.waitForEvent({ callConnectionId: 'c1', kind: 'CallConnected' }),
      ).resolves.toMatchObject({ callConnectionId: 'c1' });
    } finally {
      await test.close();
    }
  });

  it('emits every event on @nestjs/event-emitter as call-automation.<Kind>', async () => {
    @Injectable()
    class Listener {
      readonly seen: string[] = [];
      @OnEvent('call-automation.PlayCompleted')
      onPlay(event: CallEvent, metadata: CallEventMetadata): void {
        this.seen.push(`${event.kind}:${metadata.id}`);
      }
      @OnEvent('call-automation.*')
      onAny(event: CallEvent): void {
        this.seen.push(`any:${event.kind}`);
      }
    }
    const test = await startApp({
      imports: [EventEmitterModule.forRoot({ wildcard: true })],
      providers: [Listener],
    });
    try {
      await test.post('api/callbacks', [
        cloudEvent('PlayCompleted', { callConnectionId: 'c1' }, 'e1'),
      ]);
      await test.processor.whenIdle();
      await new Promise((resolve) => setImmediate(resolve));
      expect(test.app.get(Listener).seen.sort()).toEqual(['PlayCompleted:e1', 'any:PlayCompleted']);
    } finally {
      await test.close();
    }
  });

  it('rejects pending waiters at once on shutdown, and leaves no timer behind', async () => {
    // Every timer the library's code starts, until it is cleared or has fired.
    const library = join(process.cwd(), 'lib', sep);
    const timers = new Map<number, string>();
    const hook = createHook({
      init(asyncId, type) {
        if (type !== 'Timeout') return;
        const stack = new Error().stack ?? '';
        if (stack.includes(library)) timers.set(asyncId, stack);
      },
      destroy(asyncId) {
        timers.delete(asyncId);
      },
    });
    hook.enable();
    try {
      const test = await startApp();
      // Arm every kind of timer: waiters, an operation and its wait, the backlog, the memory
      // of ended calls.
      const waiting = test.processor.waitForEvent({ kind: 'Never' });
      const predicate = test.processor.waitForEvent(() => false);
      const operation = test.processor.registerOperation({
        operationContext: 'op-1',
        callConnectionId: 'c1',
        successKinds: ['PlayCompleted'],
        failureKinds: ['PlayFailed'],
        name: 'playToAll on call c1',
      });
      const operationWait = operation.wait();
      const posted = await test.post('api/callbacks', [
        cloudEvent('ToneReceived', { callConnectionId: 'c1' }),
        cloudEvent('CallDisconnected', { callConnectionId: 'c2' }),
      ]);
      expect(posted.status).toBe(200);
      expect(test.processor.snapshot()).toMatchObject({
        backlogEvents: 1,
        recentlyDisconnectedCalls: 1,
      });
      expect(timers.size).toBeGreaterThan(0); // the hook sees the library's timers

      await test.close();
      for (const pending of [waiting, predicate, operationWait]) {
        const error = await pending.catch((e) => e);
        expect(error).toBeInstanceOf(CallAutomationShutdownError);
        expect(error.message).toMatch(/shutting down/);
      }
      // Destroy hooks run on a later turn of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect([...timers.values()]).toEqual([]);
    } finally {
      hook.disable();
    }
  });

  it('remembers ended calls for disconnectedCallTtlMs, also with the backlog turned off', async () => {
    const test = await startApp({ options: { backlogTtlMs: 0 } });
    try {
      await test.processor.processEvents([
        cloudEvent('CallDisconnected', { callConnectionId: 'ended' }),
      ]);
      const error = await test.processor
        .waitForEvent({ callConnectionId: 'ended', kind: 'PlayCompleted' }, { timeoutMs: 2_000 })
        .catch((e) => e);
      expect(error).toBeInstanceOf(CallDisconnectedError);
      const detach = test.processor.attachOngoingEventProcessor('ended', '*', () => {});
      detach();
      expect(test.processor.snapshot()).toMatchObject({
        callsWithOngoingHandlers: 0,
        recentlyDisconnectedCalls: 1,
      });
      expect(test.logger.messages('debug').join('\n')).toMatch(
        /attachOngoingEventProcessor\(ended, \*\): that call has ended/,
      );
    } finally {
      await test.close();
    }
    const compile = Test.createTestingModule({
      imports: [CallAutomationModule.forRoot({ disconnectedCallTtlMs: -1 })],
    }).compile();
    await expect(compile).rejects.toThrow(
      /disconnectedCallTtlMs must be a whole number >= 0, got number -1/,
    );
  });

  it('does not let a handler that never settles hold up shutdown past shutdownGraceMs', async () => {
    @Injectable()
    class StuckHandler {
      @OnCallEvent('CallConnected')
      never(): Promise<void> {
        return new Promise(() => {});
      }
    }
    const test = await startApp({ options: { shutdownGraceMs: 200 }, providers: [StuckHandler] });
    await test.post('api/callbacks', [cloudEvent('CallConnected')]);
    await vi.waitFor(() => expect(test.processor.whenIdleWithin(0)).resolves.toBe(false));
    await test.close();
    expect(test.logger.messages('warn').join('\n')).toMatch(
      /1 @OnCallEvent or ongoing handler\(s\) still running 200 ms after shutdown began/,
    );
  });

  it('answers the Event Grid handshakes and dispatches IncomingCall', async () => {
    @Injectable()
    class IncomingCalls {
      readonly contexts: string[] = [];
      @OnCallEvent('IncomingCall')
      onIncoming(event: CallEvent): void {
        if (event.kind === 'IncomingCall') this.contexts.push(event.incomingCallContext);
      }
    }
    const test = await startApp({ providers: [IncomingCalls] });
    try {
      const validation = await test.post(
        'api/incomingCall',
        [
          {
            id: 'v1',
            eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
            data: { validationCode: 'code-1' },
          },
        ],
        { 'aeg-event-type': 'SubscriptionValidation' },
      );
      expect(validation.status).toBe(200);
      expect(await validation.json()).toEqual({ validationResponse: 'code-1' });
      const options = await fetch(test.url('api/incomingCall'), {
        method: 'OPTIONS',
        headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' },
      });
      expect(options.status).toBe(200);
      expect(options.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
      const delivery = await test.post(
        'api/incomingCall',
        [
          {
            id: 'incoming-1',
            eventType: 'Microsoft.Communication.IncomingCall',
            subject: '/caller/4:+1555/recipient/8:acs:bot',
            data: { incomingCallContext: 'ctx-1', serverCallId: 's1', correlationId: 'corr' },
          },
        ],
        { 'aeg-event-type': 'Notification' },
      );
      expect(delivery.status).toBe(200);
      await test.processor.whenIdle();
      expect(test.app.get(IncomingCalls).contexts).toEqual(['ctx-1']);
      await expect(test.processor.waitForEvent({ kind: 'IncomingCall' })).resolves.toMatchObject({
        incomingCallContext: 'ctx-1',
      });
    } finally {
      await test.close();
    }
  });
});

describe.each(ADAPTERS)('@OnCallEvent handlers on %s', (adapter) => {
  it('runs a synchronous handler only after the webhook has answered', async () => {
    const responses: ServerResponse[] = [];
    @Injectable()
    class SynchronousHandler {
      /** For each event: had the response to the request that brought it been sent? */
      readonly answeredFirst: boolean[] = [];
      @OnCallEvent('CallConnected')
      onConnected(): void {
        this.answeredFirst.push(responses.at(-1)?.writableEnded === true);
      }
    }
    const test = await startApp({ adapter, providers: [SynchronousHandler] });
    try {
      (test.app.getHttpServer() as Server).on(
        'request',
        (_request: IncomingMessage, response: ServerResponse) => responses.push(response),
      );
      const response = await test.post('api/callbacks', [cloudEvent('CallConnected')]);
      expect(response.status).toBe(200);
      await test.processor.whenIdle();
      expect(responses).toHaveLength(1);
      expect(test.app.get(SynchronousHandler).answeredFirst).toEqual([true]);
    } finally {
      await test.close();
    }
  });
});
