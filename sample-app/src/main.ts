import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AcsEmulator } from 'nestjs-call-automation/testing';
import { AppModule } from './app.module';
import { readConfig } from './config';
import { registerTelemetry } from './telemetry/register-telemetry';

/**
 * Starts the sample. With ACS_CONNECTION_STRING and CALLBACK_URI it talks to Azure; without,
 * it starts the ACS emulator in-process and places demo calls, so it runs with no account.
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('Sample');
  // First: the library looks for a registered SDK when its module starts.
  const telemetry = registerTelemetry(process.env, (message) =>
    new Logger('Telemetry').log(message),
  );
  let config = readConfig(process.env);
  let emulator: AcsEmulator | undefined;
  if (!config.connectionString) {
    // Slowed to a human pace, so that a call can be followed on the status page.
    emulator = await new AcsEmulator({ eventDelayMs: 150, mediaDurationMs: 1_500 }).start();
    config = {
      ...config,
      connectionString: emulator.connectionString,
      emulated: true,
      callbackUri: `http://127.0.0.1:${config.port}/api/callbacks`,
      mediaPublicUrl: `ws://127.0.0.1:${config.port}/api/media`,
      // The emulator signs its callbacks like ACS: verify them, as production would.
      auth: emulator.auth,
    };
    logger.log(`No ACS_CONNECTION_STRING: using the embedded ACS emulator at ${emulator.endpoint}`);
  }
  const app = await NestFactory.create(AppModule.register(config, emulator, telemetry));
  await app.listen(config.port);
  logger.log(
    `Status page: http://localhost:${config.port}/ · /metrics · /health · callbacks: ${config.callbackUri}`,
  );
  // Pending waits end with a clear error, in-flight requests finish, then the emulator stops.
  const stop = async () => {
    await app.close();
    await emulator?.stop();
    await telemetry?.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

void bootstrap();
