import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { CallAutomationModule } from 'nestjs-call-automation';

/** Replica B of the cross-replica benchmark: a plain app with the module, in its own process. */
async function main(): Promise<void> {
  const [url, keyPrefix] = process.argv.slice(2) as [string, string];
  @Module({ imports: [CallAutomationModule.forRoot({ redis: { url, keyPrefix } })] })
  class ReplicaModule {}
  // Fastify: at 5k callbacks/s the receiving replica's HTTP stack must not be the bottleneck.
  const app = await NestFactory.create(ReplicaModule, new FastifyAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  process.send?.({ url: (await app.getUrl()).replace('[::1]', '127.0.0.1') });
  process.on('message', async () => {
    await app.close();
    process.exit(0);
  });
}

void main();
