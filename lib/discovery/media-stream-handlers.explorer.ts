import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ContextIdFactory, DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import { Injector } from '@nestjs/core/injector/injector.js';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import type { Module } from '@nestjs/core/injector/module.js';
import { ON_MEDIA_STREAM_METADATA } from '../constants';
import type { MediaStreamSession } from '../media/media-stream-session';

/** One `@OnMediaStream` method, ready to call. */
export interface DiscoveredMediaStreamHandler {
  /** `Class@method`, as logs name it. */
  readonly name: string;
  invoke(session: MediaStreamSession): unknown;
}

/**
 * Finds `@OnMediaStream` methods on every provider and controller at start-up, as
 * CallEventHandlersExplorer finds `@OnCallEvent`. A request-scoped class gets a fresh instance
 * per session (with `{ session }` as the request object).
 */
@Injectable()
export class MediaStreamHandlersExplorer implements OnModuleInit {
  private readonly logger = new Logger('CallAutomation');
  private readonly injector = new Injector();
  private found: DiscoveredMediaStreamHandler[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly moduleRef: ModuleRef,
  ) {}

  get handlers(): readonly DiscoveredMediaStreamHandler[] {
    return this.found;
  }

  onModuleInit(): void {
    const found: DiscoveredMediaStreamHandler[] = [];
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
        if (
          typeof method !== 'function' ||
          !Reflect.getMetadata(ON_MEDIA_STREAM_METADATA, method)
        ) {
          continue;
        }
        found.push(this.createHandler(wrapper, collection, methodName));
      }
    }
    this.found = found;
    if (found.length > 0) this.logger.log(`Found ${found.length} @OnMediaStream handler(s)`);
  }

  private createHandler(
    wrapper: InstanceWrapper,
    collection: 'providers' | 'controllers',
    methodName: string,
  ): DiscoveredMediaStreamHandler {
    const instance = wrapper.instance as Record<string, (...args: unknown[]) => unknown>;
    const name = `${instance.constructor?.name ?? 'Anonymous'}@${methodName}`;
    if (wrapper.isDependencyTreeStatic()) {
      return { name, invoke: (session) => instance[methodName].call(instance, session) };
    }
    const host = wrapper.host as Module;
    const wrappers = collection === 'controllers' ? host.controllers : host.providers;
    return {
      name,
      invoke: async (session) => {
        const contextId = ContextIdFactory.create();
        this.moduleRef.registerRequestByContextId({ session }, contextId);
        const contextInstance = (await this.injector.loadPerContext(
          instance,
          host,
          wrappers,
          contextId,
        )) as Record<string, (...args: unknown[]) => unknown>;
        return contextInstance[methodName].call(contextInstance, session);
      },
    };
  }
}
