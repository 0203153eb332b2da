import type { DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import { ContextIdFactory } from '@nestjs/core';
import { Injector } from '@nestjs/core/injector/injector.js';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import type { Module } from '@nestjs/core/injector/module.js';

/** A provider or controller method that carries a decorator's metadata, ready to call. */
export interface DecoratedMethod<T> {
  /** `Class@method`, as logs name it. */
  readonly name: string;
  /** What the decorator stored on the method. */
  readonly metadata: T;
  /**
   * Calls the method with `args`: on the instance (synchronously), or, for a request-scoped
   * class, on a fresh instance resolved in a context of its own whose request object is
   * `request` (so request scope works as its users expect).
   */
  invoke(args: readonly unknown[], request: object): unknown;
}

type Methods = Record<string, (...args: unknown[]) => unknown>;

const injector = new Injector();

/**
 * Every method of every provider and controller that has metadata under `key`, in discovery
 * order: what `@OnCallEvent` and `@OnMediaStream` are found with at start-up.
 */
export function findDecoratedMethods<T>(
  discovery: DiscoveryService,
  scanner: MetadataScanner,
  moduleRef: ModuleRef,
  key: string,
): DecoratedMethod<T>[] {
  const found: DecoratedMethod<T>[] = [];
  const wrappers = [
    ...discovery.getProviders().map((wrapper) => [wrapper, 'providers'] as const),
    ...discovery.getControllers().map((wrapper) => [wrapper, 'controllers'] as const),
  ];
  for (const [wrapper, collection] of wrappers) {
    const { instance } = wrapper;
    if (!instance || wrapper.isAlias || typeof instance !== 'object') continue;
    const prototype = Object.getPrototypeOf(instance);
    if (!prototype) continue;
    for (const methodName of scanner.getAllMethodNames(prototype)) {
      const method = prototype[methodName];
      if (typeof method !== 'function') continue;
      const metadata: T | undefined = Reflect.getMetadata(key, method);
      if (metadata === undefined) continue;
      found.push({
        name: `${(instance as object).constructor?.name ?? 'Anonymous'}@${methodName}`,
        metadata,
        invoke: invoker(wrapper, collection, methodName, moduleRef),
      });
    }
  }
  return found;
}

function invoker(
  wrapper: InstanceWrapper,
  collection: 'providers' | 'controllers',
  methodName: string,
  moduleRef: ModuleRef,
): DecoratedMethod<unknown>['invoke'] {
  const instance = wrapper.instance as Methods;
  if (wrapper.isDependencyTreeStatic()) {
    return (args) => instance[methodName].apply(instance, args as unknown[]);
  }
  const host = wrapper.host as Module;
  // The injector looks the class up in the module's collection it was declared in.
  const wrappers = collection === 'controllers' ? host.controllers : host.providers;
  return async (args, request) => {
    const contextId = ContextIdFactory.create();
    moduleRef.registerRequestByContextId(request, contextId);
    const contextInstance = (await injector.loadPerContext(
      instance,
      host,
      wrappers,
      contextId,
    )) as Methods;
    return contextInstance[methodName].apply(contextInstance, args as unknown[]);
  };
}
