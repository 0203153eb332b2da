import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { CallAutomationHealthIndicator } from 'nestjs-call-automation/terminus';
import { AcsEmulator, callEvents } from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp, type TestAppOptions } from '../support/app';
import { closedPort, type RedisUnderTest, useRedis } from '../support/redis-server';

/** The `/health` controller of the README. */
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly callAutomation: CallAutomationHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.callAutomation.isHealthy('callAutomation')]);
  }
}

async function health(test: TestApp): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(test.url('health'));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function withHealth(options: TestAppOptions['options']) {
  return startApp({
    options,
    imports: [TerminusModule],
    controllers: [HealthController],
    providers: [CallAutomationHealthIndicator],
  });
}

describe('CallAutomationHealthIndicator (@nestjs/terminus)', () => {
  let redis: RedisUnderTest;
  let emulator: AcsEmulator;

  beforeAll(async () => {
    redis = await useRedis({ own: true }); // stopped by a test
    emulator = await new AcsEmulator().start();
  });
  afterAll(async () => {
    await emulator?.stop();
    await redis?.close();
  });

  it('up with Redis and the signing keys fetched, with the backlog fill; down while Redis is stopped', async () => {
    const test = await withHealth({
      redis: { url: redis.url, keyPrefix: redis.uniquePrefix() },
      auth: emulator.auth,
      maxBacklogEvents: 4,
      backlogTtlMs: 60_000,
    });
    try {
      await test.processor.processEvents([callEvents.playStarted({ callConnectionId: 'c1' })]);
      // The stream reader delivers it to this replica's backlog.
      await expect.poll(() => test.processor.snapshot().backlogEvents, { timeout: 5_000 }).toBe(1);
      const up = await health(test);
      expect(up.status).toBe(200);
      expect(up.body).toMatchObject({
        status: 'ok',
        info: {
          callAutomation: {
            status: 'up',
            redis: { status: 'up' },
            signingKeys: { status: 'up', fetched: true, fetchedAt: expect.any(String) },
            backlog: { status: 'up', events: 1, fill: 0.25 },
          },
        },
      });

      await redis.stop();
      const down = await health(test);
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({
        status: 'error',
        error: {
          callAutomation: {
            status: 'down',
            redis: { status: 'down', message: expect.stringMatching(/^Redis \(option redis\)/) },
            signingKeys: { status: 'up' },
          },
        },
      });
      await redis.start();
      await expect.poll(async () => (await health(test)).status, { timeout: 10_000 }).toBe(200);
    } finally {
      await test.close();
    }
  });

  it('down when the signing keys were never fetched and the fetch fails; no Redis part without the option', async () => {
    const keys = `http://127.0.0.1:${await closedPort()}/calling/keys`;
    const test = await withHealth({ auth: { ...emulator.auth, jwksUri: keys } });
    try {
      const down = await health(test);
      expect(down.status).toBe(503);
      const details = (down.body.error as Record<string, Record<string, unknown>>).callAutomation;
      expect(details).toMatchObject({
        status: 'down',
        signingKeys: {
          status: 'down',
          fetched: false,
          message: expect.stringMatching(
            /key set could not be fetched from http:\/\/127\.0\.0\.1.*option auth/,
          ),
        },
        backlog: { status: 'up', fill: 0 },
      });
      expect(details).not.toHaveProperty('redis');
    } finally {
      await test.close();
    }
  });

  it('without auth and redis: up with the backlog alone', async () => {
    const test = await withHealth({});
    try {
      const up = await health(test);
      expect(up.status).toBe(200);
      expect(up.body.info).toEqual({
        callAutomation: {
          status: 'up',
          backlog: { status: 'up', events: 0, characters: 0, fill: 0 },
        },
      });
    } finally {
      await test.close();
    }
  });
});
