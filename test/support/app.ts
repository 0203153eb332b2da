import { type AddressInfo, createServer } from 'node:net';
import type {
  DynamicModule,
  INestApplication,
  ModuleMetadata,
  Provider,
  Type,
} from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  CallAutomationModule,
  type CallAutomationModuleOptions,
  EventProcessorService,
} from 'nestjs-call-automation';
import { CapturingLogger } from './capturing-logger';

export type AdapterName = 'express' | 'fastify';
export const ADAPTERS: AdapterName[] = ['express', 'fastify'];

export interface TestApp {
  app: INestApplication;
  processor: EventProcessorService;
  logger: CapturingLogger;
  /** Absolute URL of a path on the app, e.g. `url('api/callbacks')`. */
  url(path: string): string;
  /** POSTs a JSON body (or raw text with a content type). */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  adapter?: AdapterName;
  options?: CallAutomationModuleOptions;
  module?: DynamicModule;
  providers?: Provider[];
  controllers?: Type<unknown>[];
  imports?: ModuleMetadata['imports'];
  globalPrefix?: string;
  /** Port to listen on (e.g. one picked with `freePort()` before the module needs its URL). @default 0 (any free port) */
  port?: number;
}

/**
 * A free loopback port, for an app whose own URL must be known before it boots (the module's
 * `callbackUri`): pass it to `startApp({ port })`.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Boots a real Nest application with the module on a free loopback port. */
export async function startApp(config: TestAppOptions = {}): Promise<TestApp> {
  const logger = new CapturingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [
      config.module ?? CallAutomationModule.forRoot(config.options ?? {}),
      ...(config.imports ?? []),
    ],
    providers: config.providers ?? [],
    controllers: config.controllers ?? [],
  })
    .setLogger(logger)
    .compile();
  const app =
    config.adapter === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger })
      : moduleRef.createNestApplication({ logger });
  if (config.globalPrefix) app.setGlobalPrefix(config.globalPrefix);
  await app.listen(config.port ?? 0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const url = (path: string) => `${base}/${path.replace(/^\//, '')}`;
  return {
    app,
    processor: app.get(EventProcessorService),
    logger,
    url,
    post: (path, body, headers = {}) =>
      fetch(url(path), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
      }),
    close: () => app.close(),
  };
}
