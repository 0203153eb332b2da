import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { AcsEmulator, LocalRedisServer } from 'nestjs-call-automation/testing';
import { startRoundRobinBalancer } from './balancer/round-robin-balancer';

/**
 * `npm run start:cluster`: the sample as two replicas behind a round-robin load balancer,
 * sharing one Redis, against the ACS emulator. A call's IVR runs on the replica that got its
 * IncomingCall, while the balancer sends the call's callbacks to either replica: every await
 * still resolves, through Redis.
 */
const logger = new Logger('Cluster');
const PORT = Number(process.env.PORT ?? 3000);
const REPLICAS = ['A', 'B'];
const DEMO_CALL_INTERVAL_MS = Number(process.env.DEMO_CALL_INTERVAL_MS ?? 10_000);

async function main(): Promise<void> {
  const emulator = await new AcsEmulator({ eventDelayMs: 150, mediaDurationMs: 1_500 }).start();
  const redis = process.env.REDIS_URL ? undefined : await LocalRedisServer.start();
  const redisUrl = process.env.REDIS_URL ?? (redis as LocalRedisServer).url;
  logger.log(`Emulator ${emulator.endpoint} · Redis ${redisUrl}`);

  const replicas: ChildProcess[] = REPLICAS.map((name, index) =>
    fork(join(__dirname, 'main.js'), {
      env: {
        ...process.env,
        PORT: String(PORT + 1 + index),
        REPLICA_NAME: name,
        ACS_CONNECTION_STRING: emulator.connectionString,
        ACS_EMULATED: 'true',
        CALLBACK_URI: `http://127.0.0.1:${PORT}/api/callbacks`,
        // ACS connects a call's WebSockets to the replica whose flow started them: each its own.
        MEDIA_PUBLIC_URL: `ws://127.0.0.1:${PORT + 1 + index}/api/media`,
        ACS_RESOURCE_ID: emulator.auth.audience,
        ACS_JWT_ISSUER: emulator.auth.issuer,
        ACS_JWKS_URI: emulator.auth.jwksUri,
        REDIS_URL: redisUrl,
      },
    }),
  );

  const balancer = await startRoundRobinBalancer(
    PORT,
    REPLICAS.map((_, index) => PORT + 1 + index),
    REPLICAS,
  );
  const served = balancer.served;
  logger.log(
    `Load balancer http://localhost:${PORT}/ → replicas ${REPLICAS.map((name, i) => `${name}:${PORT + 1 + i}`).join(', ')}`,
  );

  let calls = 0;
  const callers = [{ dtmf: '1' }, { dtmf: '2' }, {}];
  const placeCall = async () => {
    const call = ++calls;
    try {
      await emulator.placeIncomingCall({
        url: `http://127.0.0.1:${PORT}/api/incomingCall`,
        from: `+1555020${String(1000 + call).padStart(4, '0')}`,
        caller: callers[call % callers.length],
      });
      logger.log(
        `Demo call ${call} placed · requests served so far: ${REPLICAS.map((name, i) => `${name} ${served[i]}`).join(', ')}`,
      );
    } catch (error) {
      logger.warn(
        `Demo call ${call} failed: ${(error as Error).message} (replicas still starting?)`,
      );
    }
  };
  setTimeout(() => void placeCall(), 4_000);
  const timer = setInterval(() => void placeCall(), DEMO_CALL_INTERVAL_MS);

  const stop = async () => {
    clearInterval(timer);
    await balancer.close();
    await Promise.all(
      replicas.map(
        (replica) =>
          new Promise((resolve) => {
            replica.once('exit', resolve);
            replica.kill('SIGTERM');
          }),
      ),
    );
    await emulator.stop();
    await redis?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

void main();
