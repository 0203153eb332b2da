import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort } from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSampleApp } from '../support/build-sample-app';
import { type RedisUnderTest, useRedis } from '../support/redis-server';

/** vitest runs from the repository's root. */
const root = process.cwd();

/**
 * `npm run start:cluster` as a user runs it: the built sample as two replicas behind the
 * launcher's round-robin balancer, sharing one Redis, against the emulator. The balancer sends
 * every request, callbacks included, to the next replica, so a call's IVR awaits events that
 * the other replica received.
 */
describe('sample app as a two-replica cluster', () => {
  let redis: RedisUnderTest;
  let cluster: ChildProcess;
  let port: number;
  let output = '';

  beforeAll(async () => {
    buildSampleApp(root);
    redis = await useRedis();
    port = await freePortRun(3);
    cluster = spawn(process.execPath, [join(root, 'sample-app/dist/cluster.js')], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: redis.uniquePrefix(),
        DEMO_CALL_INTERVAL_MS: '1000',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cluster.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    cluster.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
  }, 120_000);

  afterAll(async () => {
    if (cluster?.exitCode === null) {
      cluster.kill('SIGKILL');
      await new Promise((resolve) => cluster.once('exit', resolve));
    }
    await redis?.close();
  });

  async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline || cluster.exitCode !== null) {
        throw new Error(`the cluster never ${what}; its output:\n${output.slice(-4_000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** IVR lines per caller: `[IVR A] 4:+15550201001: hung up` → { '+15550201001': ['A: hung up'] }. */
  function ivrSteps(): Map<string, string[]> {
    const steps = new Map<string, string[]>();
    for (const match of output.matchAll(/\[IVR (\w+)\] \d+:(\+\d+): (.+)/g)) {
      const [, replica, caller, step] = match as unknown as [string, string, string, string];
      steps.set(caller, [...(steps.get(caller) ?? []), `${replica}: ${step.trim()}`]);
    }
    return steps;
  }

  const finishedCalls = () =>
    [...ivrSteps().values()].filter((steps) =>
      steps.some((step) => / (hung up|transferred to the agent at .+)$/.test(step)),
    );

  it('runs demo calls to their end, each awaited step resolving with callbacks either replica got', async () => {
    await until('finished three demo calls', () => finishedCalls().length >= 3, 60_000);
    for (const steps of finishedCalls()) {
      // Every step of a call is logged by the one replica whose IVR awaits it.
      const replicas = new Set(steps.map((step) => step.split(':')[0]));
      expect(replicas.size).toBe(1);
      expect(steps.map((step) => step.replace(/^\w+: /, ''))).toEqual(
        expect.arrayContaining([
          'incoming call, answering',
          expect.stringMatching(/^connected as call .+, playing the greeting$/),
          'greeting: played',
          'asking for a choice',
          expect.stringMatching(/^choice: /),
        ]),
      );
    }
    const served = [...output.matchAll(/requests served so far: A (\d+), B (\d+)/g)].pop();
    expect(Number(served?.[1])).toBeGreaterThan(5);
    expect(Number(served?.[2])).toBeGreaterThan(5);
    expect(output).not.toMatch(/timed out|ERROR/);
  }, 90_000);

  it('serves the status page through the balancer', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('+1555020');
  });

  it('stops both replicas and exits cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => cluster.once('exit', resolve));
    cluster.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port + 1}/`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${port + 2}/`)).rejects.toThrow();
  }, 30_000);
});

/** The first of `count` consecutive free ports (the launcher takes PORT, PORT+1, ...). */
async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await freePort();
    let free = true;
    for (let offset = 1; offset < count && free; offset++) free = await isFree(first + offset);
    if (free) return first;
  }
  throw new Error(`found no ${count} consecutive free ports`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
