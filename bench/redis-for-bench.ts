import { LocalRedisServer } from 'nestjs-call-automation/testing';

/** `REDIS_URL` when set, else a redis-server of the benchmark's own on a free loopback port. */
export async function redisForBench(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  const server = await LocalRedisServer.start();
  return { url: server.url, stop: () => server.stop() };
}
