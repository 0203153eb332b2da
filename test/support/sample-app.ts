import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type AcsEmulator, freePort } from 'nestjs-call-automation/testing';
import { AppModule } from '../../sample-app/src/app.module';
import { readConfig, type SampleConfig } from '../../sample-app/src/config';
import type { SampleTelemetry } from '../../sample-app/src/telemetry/register-telemetry';
import { CapturingLogger } from './capturing-logger';

export interface RunningSample {
  app: INestApplication;
  /** `http://127.0.0.1:<port>` */
  base: string;
  logger: CapturingLogger;
}

/**
 * The sample app as main.ts starts it offline, in this process: the OpenTelemetry SDK (when
 * given) registered first, then the app against the emulator. `env`: the sample's variables
 * (REDIS_URL, ...); demo calls are placed on demand only.
 */
export async function startSample(
  emulator: AcsEmulator,
  telemetry?: SampleTelemetry,
  env: Record<string, string> = {},
): Promise<RunningSample> {
  const port = await freePort();
  const config: SampleConfig = {
    ...readConfig({ PORT: String(port), DEMO_CALL_INTERVAL_MS: '0', ...env }),
    connectionString: emulator.connectionString,
    emulated: true,
    callbackUri: `http://127.0.0.1:${port}/api/callbacks`,
    mediaPublicUrl: `ws://127.0.0.1:${port}/api/media`,
    auth: emulator.auth,
  };
  const logger = new CapturingLogger();
  const app = await NestFactory.create(AppModule.register(config, emulator, telemetry), {
    logger,
  });
  await app.listen(port, '127.0.0.1');
  return { app, base: `http://127.0.0.1:${port}`, logger };
}

/** What the sample logged of one demo caller's flow, in order (its `4:<caller>: ...` lines). */
export function callerSteps(logger: CapturingLogger, caller: string): string[] {
  return logger
    .messages('log')
    .filter((line) => line.startsWith(`4:${caller}:`))
    .map((line) => line.slice(`4:${caller}: `.length));
}

/**
 * Waits (polling every 20 ms, up to `timeoutMs`) until the caller's flow logs a step that
 * matches; returns its steps so far. `flow` names it in the error ('IVR', 'voice menu').
 */
export async function untilCallerStep(
  logger: CapturingLogger,
  caller: string,
  step: RegExp,
  { flow, timeoutMs }: { flow: string; timeoutMs: number },
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const steps = callerSteps(logger, caller);
    if (steps.some((line) => step.test(line))) return steps;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(
    `the ${flow} never reached ${step} for ${caller}: ${callerSteps(logger, caller).join(' | ')}`,
  );
}
