import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ContextIdFactory, DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import { Injector } from '@nestjs/core/injector/injector.js';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import type { Module } from '@nestjs/core/injector/module.js';
import { ON_CALL_EVENT_METADATA } from '../constants';
import type { OnCallEventMetadata } from '../decorators/on-call-event.decorator';
import type { AnyCallEvent, CallEventMetadata } from '../events/call-event.types';

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
  private readonly injector = new Injector();
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
    const wrappers = [
      ...this.discovery.getProviders().map((wrapper) => [wrapper, 'providers'] as const),
      ...this.discovery.getControllers().map((wrapper) => [wrapper, 'controllers'] as const),
    ];
    for (const [wrapper, collection] of wrappers) {
      const { instance } = wrapper;
      if (!instance || wrapper.isAlias || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance);
      if (!prototype) continue;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[methodName];
        const entries: OnCallEventMetadata[] | undefined =
          typeof method === 'function'
            ? Reflect.getMetadata(ON_CALL_EVENT_METADATA, method)
            : undefined;
        if (!entries?.length) continue;
        const kinds = [...new Set(entries.flatMap((entry) => entry.kinds))];
        const handler = this.createHandler(wrapper, collection, methodName, kinds);
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
    }
    this.byKind = byKind;
    this.everyKind = everyKind;
    if (count > 0) this.logger.log(`Found ${count} @OnCallEvent handler(s)`);
  }

  private createHandler(
    wrapper: InstanceWrapper,
    collection: 'providers' | 'controllers',
    methodName: string,
    kinds: readonly string[],
  ): DiscoveredCallEventHandler {
    const instance = wrapper.instance as Record<string, (...args: unknown[]) => unknown>;
    const name = `${instance.constructor?.name ?? 'Anonymous'}@${methodName}`;
    if (wrapper.isDependencyTreeStatic()) {
      return {
        name,
        kinds,
        invoke: (event, metadata) => instance[methodName].call(instance, event, metadata),
      };
    }
    const host = wrapper.host as Module;
    // The injector looks the class up in the module's collection it was declared in.
    const wrappers = collection === 'controllers' ? host.controllers : host.providers;
    return {
      name,
      kinds,
      invoke: async (event, metadata) => {
        const contextId = ContextIdFactory.create();
        this.moduleRef.registerRequestByContextId({ event, metadata }, contextId);
        const contextInstance = (await this.injector.loadPerContext(
          instance,
          host,
          wrappers,
          contextId,
        )) as Record<string, (...args: unknown[]) => unknown>;
        return contextInstance[methodName].call(contextInstance, event, metadata);
      },
    };
  }
}
