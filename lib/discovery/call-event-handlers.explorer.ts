import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import { ON_CALL_EVENT_METADATA } from '../constants';
import type { OnCallEventMetadata } from '../decorators/on-call-event.decorator';
import type { AnyCallEvent, CallEventMetadata } from '../events/call-event.types';
import { findDecoratedMethods } from './decorated-methods';

/** One `@OnCallEvent` method, ready to call. */
export interface DiscoveredCallEventHandler {
  /** `Class@method`, as logs name it. */
  readonly name: string;
  readonly kinds: readonly string[];
  invoke(event: AnyCallEvent, metadata: CallEventMetadata): unknown;
}

/**
 * Finds `@OnCallEvent` methods on every provider and controller at start-up, in its own
 * `onModuleInit` (as `@nestjs/event-emitter`'s loader finds `@OnEvent`). Nest runs the hooks of
 * a provider's dependencies first, so discovery is done before the processor starts its bus
 * (EventProcessorService depends on this explorer through CallEventDispatcher): every event,
 * even one processed while providers were built, meets the complete list.
 *
 * Handlers of request-scoped providers and controllers get a fresh instance per event
 * (resolved in a context of their own, with `{ event, metadata }` as the request object), so
 * request scope works as its users expect.
 */
@Injectable()
export class CallEventHandlersExplorer implements OnModuleInit {
  private readonly logger = new Logger('CallAutomation');
  private byKind = new Map<string, DiscoveredCallEventHandler[]>();
  private everyKind: DiscoveredCallEventHandler[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    this.discover();
  }

  /** The handlers for a kind, in discovery order. */
  handlersFor(kind: string): readonly DiscoveredCallEventHandler[] {
    const exact = this.byKind.get(kind);
    if (exact === undefined) return this.everyKind;
    if (this.everyKind.length === 0) return exact;
    return [...exact, ...this.everyKind];
  }

  /** Whether any `@OnCallEvent` method was found. */
  get hasHandlers(): boolean {
    return this.byKind.size + this.everyKind.length > 0;
  }

  private discover(): void {
    const byKind = new Map<string, DiscoveredCallEventHandler[]>();
    const everyKind: DiscoveredCallEventHandler[] = [];
    let count = 0;
    const methods = findDecoratedMethods<OnCallEventMetadata[]>(
      this.discovery,
      this.scanner,
      this.moduleRef,
      ON_CALL_EVENT_METADATA,
    );
    for (const method of methods) {
      if (!method.metadata.length) continue;
      const kinds = [...new Set(method.metadata.flatMap((entry) => entry.kinds))];
      const handler: DiscoveredCallEventHandler = {
        name: method.name,
        kinds,
        invoke: (event, metadata) => method.invoke([event, metadata], { event, metadata }),
      };
      count++;
      if (kinds.includes('*')) {
        everyKind.push(handler);
        continue;
      }
      for (const kind of kinds) {
        const list = byKind.get(kind) ?? [];
        list.push(handler);
        byKind.set(kind, list);
      }
    }
    this.byKind = byKind;
    this.everyKind = everyKind;
    if (count > 0) this.logger.log(`Found ${count} @OnCallEvent handler(s)`);
  }
}
