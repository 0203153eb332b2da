import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import type { TestCertificates } from './test-certificates';

const INSTALL_HINT =
  'Install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or point REDIS_URL at a running server.';

/**
 * A throw-away `redis-server` on a loopback port, without persistence: for tests, benchmarks
 * and demos of the `redis` option. It can be killed, restarted on the same port, and frozen,
 * to show what the module does when Redis goes away. Needs the redis-server binary.
 */
export class LocalRedisServer {
  private child: ChildProcess | undefined;
  private output = '';
  /** Its own working folder (cluster node files). */
  readonly dir = mkdtempSync(join(tmpdir(), 'redis-server-'));

  private constructor(
    readonly port: number,
    private readonly options: LocalRedisServerOptions,
  ) {}

  /** Starts a server on `port` (default: a free one); fails with an install hint without the binary. */
  static async start(options: LocalRedisServerOptions = {}): Promise<LocalRedisServer> {
    const version = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
    if (version.error || version.status !== 0)
      throw new Error(`The redis-server binary was not found. ${INSTALL_HINT}`);
    const server = new LocalRedisServer(options.port ?? (await freePort()), options);
    await server.restart();
    return server;
  }

  /** `redis://` (or `rediss://` with TLS) on 127.0.0.1, without credentials. */
  get url(): string {
    return `${this.options.tls === undefined ? 'redis' : 'rediss'}://127.0.0.1:${this.port}`;
  }

  /** The last lines it printed (its log): for the message of a failed test. */
  get recentOutput(): string {
    return this.output;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /**
   * Starts it (again) on the same port, empty; `extraArgs` are added for this start only (e.g.
   * `['--replicaof', '127.0.0.1', '6380']` to bring a killed primary back as a replica).
   */
  async restart(extraArgs: readonly string[] = []): Promise<void> {
    if (this.child !== undefined) return;
    const tls = this.options.tls;
    const ports =
      tls === undefined
        ? ['--port', String(this.port)]
        : [
            '--port',
            '0',
            '--tls-port',
            String(this.port),
            '--tls-cert-file',
            tls.certFile,
            '--tls-key-file',
            tls.keyFile,
            '--tls-ca-cert-file',
            tls.caFile,
            '--tls-auth-clients',
            'no',
            '--tls-replication',
            'yes',
            '--tls-cluster',
            'yes',
          ];
    const child = spawn(
      'redis-server',
      [
        ...(this.options.configFile === undefined ? [] : [this.options.configFile]),
        ...ports,
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        '--logfile',
        '',
        ...(this.options.args ?? []),
        ...extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    // The last lines it printed: why it did not start, when it did not.
    this.output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4_000);
    });
    this.child = child;
    // Never leave a server behind, even when the process ends without stopping it.
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => {
      process.off('exit', kill);
      if (this.child === child) this.child = undefined;
    });
    await waitForPong(this.port, child, tls, () => this.output);
  }

  /** Kills it, as a crash would. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGCONT'); // a paused server would not die otherwise
      child.kill('SIGKILL');
      await exited;
    }
  }

  /** Freezes it (SIGSTOP): connections stay open, nothing answers. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }
}

export interface LocalRedisServerOptions {
  /** Port to listen on (default: a free one). */
  port?: number;
  /** Listen with TLS only, with these files (see createTestCertificates). */
  tls?: TestCertificates;
  /**
   * More `redis-server` arguments, e.g. `['--requirepass', 'secret']`,
   * `['--user', 'app on >secret ~* &* +@all']`, `['--cluster-enabled', 'yes']`,
   * `['--replicaof', '127.0.0.1 6379']` or `['--sentinel']`.
   */
  args?: string[];
  /** A config file to start from (the first argument: needed for `--sentinel`). */
  configFile?: string;
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Waits until the server answers PING (fails fast when the process exits). */
async function waitForPong(
  port: number,
  child: ChildProcess,
  tls: TestCertificates | undefined,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const lastLine = output().trim().split('\n').at(-1) ?? '';
      throw new Error(
        `redis-server exited with code ${child.exitCode} on port ${port}: ${lastLine}`,
      );
    }
    if (await answersPing(port, tls)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis-server did not answer on port ${port} within 10 s.`);
}

/** Answers PING (or refuses it for want of a password: it is up all the same). */
function answersPing(port: number, tls: TestCertificates | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const socket =
      tls === undefined
        ? new Socket().connect(port, '127.0.0.1')
        : connectTls({ port, host: '127.0.0.1', ca: tls.ca });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
    socket.once(tls === undefined ? 'connect' : 'secureConnect', () => socket.write('PING\r\n'));
  });
}
