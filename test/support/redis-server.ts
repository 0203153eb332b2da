import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';

const INSTALL_HINT =
  'Install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) ' +
  'or set REDIS_URL=redis://host:port to use a running server.';

export interface RedisUnderTest {
  url: string;
  /** True when this helper runs the server (so it can stop, pause and restart it). */
  owned: boolean;
  /** A plain client for checks (CLIENT LIST, keys); closed by `close()`. */
  admin: Redis;
  /** A keyPrefix no other test uses. */
  uniquePrefix(): string;
  /** Kills the server (as a crash would). Owned servers only. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (no persistence). Owned servers only. */
  start(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  resume(): void;
  /** Deletes the keys of the prefixes handed out, stops an owned server. */
  close(): Promise<void>;
}

/**
 * A Redis for tests: `REDIS_URL` when set (unless `own` is asked for), otherwise a
 * `redis-server` of our own on a free loopback port, without persistence. Fails with an
 * install hint when neither is available: never a silent skip.
 */
export async function useRedis(options: { own?: boolean } = {}): Promise<RedisUnderTest> {
  const external = process.env.REDIS_URL;
  if (external && !options.own) return wrap(external, undefined);
  const version = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    const why = options.own
      ? 'This test stops and restarts Redis, so it needs the redis-server binary even when REDIS_URL is set.'
      : 'No REDIS_URL is set and the redis-server binary was not found.';
    throw new Error(`${why} ${INSTALL_HINT}`);
  }
  const server = new OwnedServer(await freePort());
  await server.start();
  return wrap(`redis://127.0.0.1:${server.port}`, server);
}

function wrap(url: string, server: OwnedServer | undefined): RedisUnderTest {
  const admin = new Redis(url, {
    protocol: 2,
    maxRetriesPerRequest: null,
    retryStrategy: () => 50,
  });
  admin.on('error', () => {}); // reconnects on its own across restarts
  const prefixes: string[] = [];
  const owned = (): OwnedServer => {
    if (server === undefined) throw new Error('Only a Redis started by the test can be stopped.');
    return server;
  };
  return {
    url,
    owned: server !== undefined,
    admin,
    uniquePrefix() {
      const prefix = `test:${randomUUID()}:`;
      prefixes.push(prefix);
      return prefix;
    },
    stop: () => owned().stop(),
    start: () => owned().start(),
    pause: () => owned().signal('SIGSTOP'),
    resume: () => owned().signal('SIGCONT'),
    async close() {
      if (server === undefined && prefixes.length > 0) {
        await admin.del(...prefixes.flatMap((prefix) => [`${prefix}events`, `${prefix}seen`]));
      }
      admin.disconnect();
      await server?.stop();
    },
  };
}

class OwnedServer {
  private process: ChildProcess | undefined;

  constructor(readonly port: number) {}

  async start(): Promise<void> {
    if (this.process !== undefined) return;
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        tmpdir(),
        '--logfile',
        '',
      ],
      { stdio: 'ignore' },
    );
    this.process = child;
    // Never leave a server behind, even when the test process ends without closing it.
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => {
      process.off('exit', kill);
      if (this.process === child) this.process = undefined;
    });
    await waitForPong(this.port, child);
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (child === undefined) return;
    this.process = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGCONT'); // a paused server would not die otherwise
      child.kill('SIGKILL');
      await exited;
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.process?.kill(signal);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Waits until the server answers PING (it fails fast when the process exits). */
async function waitForPong(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`redis-server exited with code ${child.exitCode} on port ${port}.`);
    }
    if (await answersPing(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis-server did not answer on port ${port} within 10 s.`);
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}

/** A port nothing listens on (for "Redis is down at start-up"). */
export function closedPort(): Promise<number> {
  return freePort();
}
