import type { CallDisconnected } from '@azure/communication-call-automation';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CALL_AUTOMATION_OPTIONS, EVENT_EMITTER_PREFIX } from '../constants';
import { CallEventHandlersExplorer } from '../discovery/call-event-handlers.explorer';
import type { AnyCallEvent, CallEventMetadata } from '../events/call-event.types';
import { MediaSessionRegistry } from '../media/media-session-registry';
import { CallTelemetry } from '../observability/call-telemetry';
import type { ResolvedCallAutomationOptions } from '../options/call-automation-options.interface';
import type { CallEventSink, ReceivedEvent } from '../transport/call-event-bus.interface';
import { CallEventMatcher } from './call-event-matcher';
import { IsolatedHandlerRunner } from './isolated-handler-runner';

/** Minimal view of `EventEmitter2`, so `@nestjs/event-emitter` stays optional. */
interface Emitter {
  emit(event: string, ...values: unknown[]): boolean;
}

/**
 * The one place where an accepted event meets the app's code. The bus calls it in two scopes:
 *
 * | scope                  | what runs                                                        |
 * |------------------------|------------------------------------------------------------------|
 * | `deliver`: every replica | waiters, operations, ongoing handlers, backlog, CallDisconnected clean-up (the matcher) |
 * | `runHandlers`: once per cluster | `@OnCallEvent` handlers and the `@nestjs/event-emitter` bridge |
 *
 * Handlers run after the current turn (after the webhook's answer) and never delay it.
 *
 * Its `onModuleInit` looks up `EventEmitter2`; Nest runs it before the hook of
 * EventProcessorService (which depends on this class) starts the bus, so no event reaches the
 * dispatcher before the bridge is known.
 */
@Injectable()
export class CallEventDispatcher implements CallEventSink, OnModuleInit {
  private emitter: Emitter | undefined;

  constructor(
    private readonly matcher: CallEventMatcher,
    private readonly handlers: CallEventHandlersExplorer,
    private readonly runner: IsolatedHandlerRunner,
    private readonly moduleRef: ModuleRef,
    @Inject(CALL_AUTOMATION_OPTIONS) private readonly options: ResolvedCallAutomationOptions,
    private readonly telemetry: CallTelemetry,
    private readonly media: MediaSessionRegistry,
  ) {}

  /** Looks up `EventEmitter2` once, when the bridge is on and `EventEmitterModule` is imported. */
  async onModuleInit(): Promise<void> {
    if (this.options.emitToEventEmitter) this.emitter = await findEventEmitter(this.moduleRef);
  }

  deliver(received: ReceivedEvent): void {
    const { event } = received;
    if (received.traceparent === undefined) {
      this.matcher.deliver(event, received.metadata, received.source);
    } else {
      // From another replica: what this event settles links to the webhook span that took it.
      this.telemetry.withTraceparent(received.traceparent, () =>
        this.matcher.deliver(event, received.metadata, received.source),
      );
    }
    // The call's media streams on this replica end with it.
    if (event.kind === 'CallDisconnected' && typeof event.callConnectionId === 'string') {
      this.media.callDisconnected(event.callConnectionId, event as CallDisconnected);
    }
  }

  /** Resolves once every handler of this event has settled (the Redis bus then acknowledges it). */
  runHandlers(received: ReceivedEvent): Promise<void> {
    if (this.emitter === undefined && !this.handlers.hasHandlers) return Promise.resolve();
    return new Promise((resolve) => {
      this.runner.defer(() => {
        let running: (Promise<void> | undefined)[] = [];
        try {
          running = this.telemetry.withTraceparent(received.traceparent, () =>
            this.runHandlersNow(received),
          );
        } finally {
          void Promise.all(running).then(() => resolve());
        }
      });
    });
  }

  /** Starts the handlers; returns the runs still going (async handlers). */
  private runHandlersNow({ event, metadata }: ReceivedEvent): (Promise<void> | undefined)[] {
    const subject = describeEvent(event, metadata);
    const running: (Promise<void> | undefined)[] = [];
    for (const handler of this.handlers.handlersFor(event.kind)) {
      const invoke = () => handler.invoke(event, metadata);
      running.push(
        this.runner.run(
          handler.name,
          subject,
          this.telemetry.wrapHandler(handler.name, event.kind, invoke),
        ),
      );
    }
    const emitter = this.emitter;
    if (emitter) {
      running.push(
        this.runner.run('EventEmitter2', subject, () =>
          emitter.emit(EVENT_EMITTER_PREFIX + event.kind, event, metadata),
        ),
      );
    }
    return running;
  }
}

async function findEventEmitter(moduleRef: ModuleRef): Promise<Emitter | undefined> {
  try {
    const { EventEmitter2 } = await import('@nestjs/event-emitter');
    return moduleRef.get(EventEmitter2, { strict: false });
  } catch {
    return undefined; // not installed, or EventEmitterModule not imported
  }
}

/** `PlayCompleted 4f0c... of call c1`: how logs name an event (never its data). */
export function describeEvent(event: AnyCallEvent, metadata: CallEventMetadata): string {
  const call =
    typeof event.callConnectionId === 'string' ? ` of call ${event.callConnectionId}` : '';
  return `${event.kind} ${metadata.id}${call}`;
}
