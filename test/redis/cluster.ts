import type { Provider } from '@nestjs/common';
import type { CallAutomationRedisOptions } from 'nestjs-call-automation';
import { startApp, type TestApp } from '../support/app';

/** `count` replicas of one app on different ports, sharing one Redis and keyPrefix. */
export async function startCluster(
  count: number,
  redis: CallAutomationRedisOptions,
  providers: Provider[] = [],
): Promise<TestApp[]> {
  const apps: TestApp[] = [];
  try {
    for (let index = 0; index < count; index++) {
      apps.push(await startApp({ options: { redis, defaultTimeoutMs: 15_000 }, providers }));
    }
  } catch (error) {
    await closeAll(apps);
    throw error;
  }
  return apps;
}

export async function closeAll(apps: readonly TestApp[]): Promise<void> {
  await Promise.all(apps.map((app) => app.close()));
}

/** Polls until `condition` holds (never a fixed sleep as an assertion). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
