import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AcsEmulator,
  type EmulatedCallHandle,
  freePort,
  type IncomingCallHandle,
} from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RoundRobinBalancer,
  startRoundRobinBalancer,
} from '../../sample-app/src/balancer/round-robin-balancer';
import { handlerRunsKey } from '../../sample-app/src/chaos/handler-run-recorder';
import { buildSampleApp } from '../support/build-sample-app';
import { type RedisUnderTest, useRedis } from '../support/redis-server';

/** vitest runs from the repository's root. */
const root = process.cwd();
/** Handlers a dead replica left are taken over after this (short, so the test stays short). */
const CLAIM_TIMEOUT_MS = 3_000;
const DRAIN_TIMEOUT_MS = 30_000;

interface Replica {
  /** A, B, C; a restarted one is A2, B2: its calls are told apart from the first process's. */
  name: string;
  port: number;
  process: ChildProcess;
  output: string;
}

interface PlacedCall {
  caller: string;
  handle?: IncomingCallHandle;
  error?: string;
}

interface ReplicaStatus {
  processor: { pendingWaiters: number; pendingOperations: number; draining: boolean };
}

/**
 * Chaos: the built sample as three replicas (separate Node processes) behind the sample's
 * round-robin balancer, sharing one Redis, with the emulator placing inbound calls to the IVR
 * all along. One replica is SIGKILLed while a call of its own is in progress, later another is
 * sent SIGTERM (it drains), then both start again. Everything is counted from the emulator's
 * side: every call not on the killed replica completes its flow; every event answered 200 had
 * its @OnCallEvent handlers run (the sample counts runs per CloudEvent id in Redis); no waiter
 * is left pending on the replicas that are up at the end.
 */
describe('sample app: three replicas, one killed, one drained, both restarted', () => {
  let redis: RedisUnderTest;
  let emulator: AcsEmulator;
  let balancer: RoundRobinBalancer;
  let keyPrefix: string;
  const replicas = new Map<string, Replica>();
  const ports: number[] = [];

  beforeAll(async () => {
    buildSampleApp(root);
    redis = await useRedis();
    keyPrefix = redis.uniquePrefix();
    // Retries like Event Grid and ACS, long enough to outlast a drained replica's 503s.
    emulator = await new AcsEmulator({
      eventDelayMs: 40,
      mediaDurationMs: 300,
      callbackRetries: 8,
      callbackRetryDelayMs: 100,
    }).start();
    for (let index = 0; index < 3; index++) ports.push(await freePort());
    balancer = await startRoundRobinBalancer(await freePort(), ports, ['A', 'B', 'C']);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...replicas.values()].map((replica) => stopProcess(replica, 'SIGKILL')));
    await balancer?.close();
    await emulator?.stop();
    await redis?.admin.del(handlerRunsKey(keyPrefix)).catch(() => undefined);
    await redis?.close();
  });

  function startReplica(name: string, port: number): Replica {
    const child = spawn(process.execPath, [join(root, 'sample-app/dist/main.js')], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        REPLICA_NAME: name,
        ACS_CONNECTION_STRING: emulator.connectionString,
        ACS_EMULATED: 'true',
        // The replica's name rides along in its calls' callback URI (the routes ignore the
        // query): the emulator then knows which process runs each call's flow.
        CALLBACK_URI: `http://127.0.0.1:${balancer.port}/api/callbacks?replica=${name}`,
        ACS_RESOURCE_ID: emulator.auth.audience,
        ACS_JWT_ISSUER: emulator.auth.issuer,
        ACS_JWKS_URI: emulator.auth.jwksUri,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: keyPrefix,
        REDIS_HANDLER_CLAIM_TIMEOUT_MS: String(CLAIM_TIMEOUT_MS),
        DRAIN_TIMEOUT_MS: String(DRAIN_TIMEOUT_MS),
        SAMPLE_RECORD_HANDLER_RUNS: 'true',
        DEMO_CALL_INTERVAL_MS: '0',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const replica: Replica = { name, port, process: child, output: '' };
    const append = (chunk: Buffer) => {
      replica.output += chunk.toString();
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    replicas.set(name, replica);
    return replica;
  }

  async function status(replica: Replica): Promise<ReplicaStatus | undefined> {
    try {
      const response = await fetch(`http://127.0.0.1:${replica.port}/api/status`);
      return response.ok ? ((await response.json()) as ReplicaStatus) : undefined;
    } catch {
      return undefined;
    }
  }

  async function until(
    what: string,
    check: () => boolean | Promise<boolean>,
    timeoutMs = 30_000,
    detail?: () => string,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) {
        // Whole outputs to files; their warnings and errors in the message.
        const dir = mkdtempSync(join(tmpdir(), 'chaos-'));
        const outputs = [...replicas.values()]
          .map((replica) => {
            writeFileSync(join(dir, `${replica.name}.log`), replica.output);
            const notable = replica.output
              .split('\n')
              .filter((line) => /WARN|ERROR|Error|rror:/.test(line))
              .slice(-15)
              .join('\n');
            return `--- ${replica.name}:\n${notable}`;
          })
          .join('\n');
        throw new Error(
          `never ${what} within ${timeoutMs} ms${detail ? `: ${detail()}` : ''}; replicas' outputs in ${dir}, their warnings and errors:\n${outputs}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  // Start-up takes seconds, tens of them on a machine busy with other tests.
  const ready = (replica: Replica) =>
    until(
      `${replica.name} answered on /api/status`,
      async () => {
        if (replica.process.exitCode !== null) {
          throw new Error(`${replica.name} exited at start-up:\n${replica.output.slice(-3_000)}`);
        }
        return (await status(replica)) !== undefined;
      },
      60_000,
    );

  /** Which replica process runs the call's flow: the one whose callback URI answered it. */
  const runOf = (call: EmulatedCallHandle) =>
    new URL(call.callbackUri).searchParams.get('replica') ?? '?';
  const callOf = (placed: PlacedCall) =>
    placed.handle === undefined
      ? undefined
      : emulator.calls.find((call) => call.serverCallId === placed.handle?.serverCallId);

  it('completes every call not on the killed replica and runs the handlers of every event answered 200', async () => {
    const [a, b, c] = ['A', 'B', 'C'].map((name, index) =>
      startReplica(name, ports[index] as number),
    ) as [Replica, Replica, Replica];
    const began = Date.now();
    const phases: string[] = [];
    const phase = (name: string) =>
      phases.push(`${name} ${((Date.now() - began) / 1000).toFixed(1)} s`);
    await Promise.all([a, b, c].map(ready));
    phase('up');

    // Calls placed continuously: press 2 (goodbye, hang up) or 1 (transfer to the agent).
    const placed: PlacedCall[] = [];
    let placing = true;
    const placer = (async () => {
      while (placing) {
        const call: PlacedCall = { caller: `+1555030${String(1000 + placed.length)}` };
        placed.push(call);
        emulator
          .placeIncomingCall({
            url: `http://127.0.0.1:${balancer.port}/api/incomingCall`,
            from: call.caller,
            caller: { dtmf: placed.length % 3 === 0 ? '1' : '2' },
          })
          .then(
            (handle) => {
              call.handle = handle;
            },
            (error: Error) => {
              call.error = error.message;
            },
          );
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const completedOn = (name: string) =>
      emulator.calls.filter((call) => runOf(call) === name && call.state === 'disconnected').length;

    // SIGKILL A while a call of its own is in progress (answered, not ended).
    await until('had a call of A in progress', () =>
      emulator.calls.some(
        (call) => runOf(call) === 'A' && call.state === 'connected' && completedOn('A') >= 1,
      ),
    );
    await stopProcess(a, 'SIGKILL');
    phase('A killed');
    const killedAt = placed.length;

    // Later: SIGTERM B, which drains (its calls go on, new ones go elsewhere) and exits.
    await until('completed calls on B and C after the kill', () =>
      emulator.calls.some(
        (call) =>
          (runOf(call) === 'B' || runOf(call) === 'C') &&
          call.state === 'disconnected' &&
          placed.findIndex((p) => p.handle?.serverCallId === call.serverCallId) > killedAt,
      ),
    );
    await until('had a call of B in progress', () =>
      emulator.calls.some((call) => runOf(call) === 'B' && call.state === 'connected'),
    );
    const inProgressOnB = emulator.calls.filter(
      (call) => runOf(call) === 'B' && call.state === 'connected',
    );
    const drained = stopProcess(b, 'SIGTERM');
    phase('B sent SIGTERM');
    // Its status says so while it drains (a readiness check would answer "not ready").
    let sawDraining = false;
    while (b.process.exitCode === null) {
      if ((await status(b))?.processor.draining === true) sawDraining = true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await drained).toBe(0);
    phase('B exited');
    // The calls B had in progress ended before it exited.
    expect(inProgressOnB.filter((call) => call.state !== 'disconnected')).toEqual([]);

    // Both start again, on their ports, and take calls (still placed meanwhile).
    const [a2, b2] = [startReplica('A2', a.port), startReplica('B2', b.port)];
    await Promise.all([a2, b2].map(ready));
    phase('A2, B2 up');
    // Until each restarted replica runs a call's flow (checked to its end below with the rest).
    const callsOn = (name: string) => emulator.calls.filter((call) => runOf(call) === name).length;
    await until(
      'ran calls on the restarted replicas',
      () => callsOn('A2') >= 1 && callsOn('B2') >= 1,
    );
    placing = false;
    await placer;
    phase('placing stopped');

    // Every call placed was taken (Event Grid delivery answered 200 in the end).
    await until('had an answer for every call placed', () =>
      placed.every((call) => call.handle !== undefined || call.error !== undefined),
    );
    expect(placed.filter((call) => call.error !== undefined)).toEqual([]);
    expect(placed.filter((call) => call.handle?.delivery.ok !== true)).toEqual([]);
    // Every call not on the killed process completes its flow; A's may be lost.
    const lostWithA = () =>
      placed.filter((call) => {
        const connection = callOf(call);
        return (
          connection !== undefined &&
          runOf(connection) === 'A' &&
          connection.state !== 'disconnected'
        );
      });
    await until('completed every call not on the killed replica', () =>
      placed.every((call) => {
        const connection = callOf(call);
        return (
          connection !== undefined &&
          (connection.state === 'disconnected' || runOf(connection) === 'A')
        );
      }),
    );
    // Waiters on the replicas that are up have all settled.
    const up = [c, a2, b2];
    await until('had no pending waiter or operation on C, A2, B2', async () => {
      const views = await Promise.all(up.map(status));
      return views.every(
        (view) => view?.processor.pendingWaiters === 0 && view.processor.pendingOperations === 0,
      );
    });

    // Every event answered 200 had its handlers run at least once (after A's entries were
    // taken over: CLAIM_TIMEOUT_MS). Counted from the emulator's log and the sample's hash.
    const accepted = new Set(
      emulator.deliveries
        .filter((delivery) => delivery.ok)
        .map((delivery) => (delivery.event as { id: string }).id),
    );
    let runs = new Map<string, number>();
    await until(
      'saw the handlers of every event answered 200 run',
      async () => {
        const counts = await redis.admin.hgetall(handlerRunsKey(keyPrefix));
        runs = new Map(Object.entries(counts).map(([id, count]) => [id, Number(count)]));
        return [...accepted].every((id) => (runs.get(id) ?? 0) >= 1);
      },
      CLAIM_TIMEOUT_MS * 5,
      () => {
        const missing = emulator.deliveries.filter(
          (delivery) => delivery.ok && !runs.has((delivery.event as { id: string }).id),
        );
        return `${missing.length} without a run: ${missing
          .slice(0, 10)
          .map(
            (delivery) =>
              `${delivery.kind} ${delivery.url.replace(/^.*\//, '')} attempt ${delivery.attempt} at ${((delivery.at.getTime() - began) / 1000).toFixed(1)} s`,
          )
          .join('; ')}; phases: ${phases.join(', ')}`;
      },
    );
    phase('checked');
    const handlerRuns = [...runs.values()].reduce((sum, count) => sum + count, 0);
    const duplicates = [...runs.values()].reduce((sum, count) => sum + count - 1, 0);
    const completed = placed.filter((call) => callOf(call)?.state === 'disconnected').length;
    const lost = lostWithA().length;
    expect(completed + lost).toBe(placed.length);
    // Nothing ran that was not accepted.
    expect([...runs.keys()].filter((id) => !accepted.has(id))).toEqual([]);

    console.log(
      `chaos: calls placed ${placed.length}, completed ${completed}, lost with the killed replica ${lost} (of ${emulator.calls.filter((call) => runOf(call) === 'A').length} on it), events answered 200 ${accepted.size}, handler runs ${handlerRuns}, duplicates ${duplicates}; calls per replica ${['A', 'B', 'C', 'A2', 'B2'].map((name) => `${name} ${callsOn(name)}`).join(', ')}; balancer served ${balancer.served.join('/')}; B seen draining: ${sawDraining}; at ${phases.join(', ')}`,
    );
  }, 240_000);
});

/** Sends `signal` and resolves with the exit code once the process has exited. */
function stopProcess(replica: Replica, signal: NodeJS.Signals): Promise<number | null> {
  const child = replica.process;
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode);
  }
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}
