import 'reflect-metadata';
import { Body, Controller, HttpCode, type INestApplication, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { CallAutomationModule } from 'nestjs-call-automation';

/** The baseline of the webhook benchmarks: a bare Nest POST route taking the same JSON body. */
@Controller()
class BareController {
  @Post('bare')
  @HttpCode(200)
  receive(@Body() body: unknown): { received: number } {
    return { received: Array.isArray(body) ? body.length : 1 };
  }
}

export type Adapter = 'express' | 'fastify';
export type ModuleOptions = Parameters<typeof CallAutomationModule.forRoot>[0];

/** One app with both routes: POST /bare and the module's POST /api/callbacks. */
export async function startWebhookApp(
  adapter: Adapter,
  options: ModuleOptions = {},
): Promise<{ app: INestApplication; base: string }> {
  @Module({ imports: [CallAutomationModule.forRoot(options)], controllers: [BareController] })
  class BenchModule {}
  const app =
    adapter === 'fastify'
      ? await NestFactory.create(BenchModule, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(BenchModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, base: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}
