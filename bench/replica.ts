import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { CallAutomationModule } from 'nestjs-call-automation';
import { HandlerLatencies } from './handler-latency';

/** What the parent sends: stop, or hand over the handler latencies noted for a prefix. */
export type ReplicaRequest = { stop: true } | { take: string };

/**
 * Replica B of the cross-replica benchmark: a plain app with the module, in its own process.
 * Arguments: url, keyPrefix, waitForReplicas, handlers ('1': with the HandlerLatencies
 * handler, whose latencies the parent asks for with `{ take: prefix }`).
 */
async function main(): Promise<void> {
  const [url, keyPrefix, waitForReplicas, handlers] = process.argv.slice(2) as [
    string,
    string,
    string,
    string,
  ];
  @Module({
    imports: [
      CallAutomationModule.forRoot({
        redis: { url, keyPrefix, waitForReplicas: Number(waitForReplicas ?? 0) },
      }),
    ],
    providers: handlers === '1' ? [HandlerLatencies] : [],
  })
  class ReplicaModule {}
  // Fastify: at 5k callbacks/s the receiving replica's HTTP stack must not be the bottleneck.
  const app = await NestFactory.create(ReplicaModule, new FastifyAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  process.send?.({ url: (await app.getUrl()).replace('[::1]', '127.0.0.1') });
  process.on('message', async (request: ReplicaRequest) => {
    if ('take' in request) {
      process.send?.({ latencies: app.get(HandlerLatencies).take(request.take) });
      return;
    }
    await app.close();
    process.exit(0);
  });
}

void main();
