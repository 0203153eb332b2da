import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, LocalRedisServer } from './local-redis-server';
import { redisCli } from './redis-cli';

/**
 * A throw-away Sentinel set-up on loopback ports, without persistence: a primary, one replica
 * of it and one sentinel (quorum 1, a node is down after `downAfterMs`), for tests of the
 * `redis: { sentinels, name }` option and of failovers (kill the primary with `primary.stop()`).
 * Needs redis-server.
 */
export class LocalRedisSentinel {
  private constructor(
    readonly name: string,
    readonly primary: LocalRedisServer,
    readonly replica: LocalRedisServer,
    readonly sentinel: LocalRedisServer,
    /** The sentinel's own `requirepass`, when started with one (`redis.sentinelPassword`). */
    private readonly sentinelPassword?: string,
  ) {}

  /**
   * With `password`, the primary and the replica ask for it (`requirepass`, `masterauth`, and
   * the sentinel's `auth-pass`); with `sentinelPassword`, the sentinel asks for that one.
   */
  static async start(
    options: {
      name?: string;
      downAfterMs?: number;
      password?: string;
      sentinelPassword?: string;
    } = {},
  ): Promise<LocalRedisSentinel> {
    const name = options.name ?? 'test-primary';
    const { password, sentinelPassword } = options;
    const auth =
      password === undefined ? [] : ['--requirepass', password, '--masterauth', password];
    const started: LocalRedisServer[] = [];
    try {
      const primary = await LocalRedisServer.start({ args: auth });
      started.push(primary);
      const replica = await LocalRedisServer.start({
        args: ['--replicaof', '127.0.0.1', String(primary.port), ...auth],
      });
      started.push(replica);
      const sentinelPort = await freePort();
      const configFile = join(replica.dir, 'sentinel.conf');
      // Sentinel rewrites its config file: it must be a file of its own, writable.
      writeFileSync(
        configFile,
        [
          `sentinel monitor ${name} 127.0.0.1 ${primary.port} 1`,
          `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1_000}`,
          `sentinel failover-timeout ${name} 5000`,
          `sentinel parallel-syncs ${name} 1`,
          ...(password === undefined ? [] : [`sentinel auth-pass ${name} ${password}`]),
          ...(sentinelPassword === undefined ? [] : [`requirepass ${sentinelPassword}`]),
          '',
        ].join('\n'),
      );
      const sentinel = await LocalRedisServer.start({
        port: sentinelPort,
        configFile,
        args: ['--sentinel'],
      });
      started.push(sentinel);
      const setUp = new LocalRedisSentinel(name, primary, replica, sentinel, sentinelPassword);
      await setUp.waitUntilReplicaKnown();
      return setUp;
    } catch (error) {
      await Promise.all(started.map((server) => server.stop()));
      throw error;
    }
  }

  /** The sentinels, as the `redis.sentinels` option takes them. */
  get sentinels(): { host: string; port: number }[] {
    return [{ host: '127.0.0.1', port: this.sentinel.port }];
  }

  /** Port of the node the sentinel names as the primary now. */
  async primaryPort(): Promise<number> {
    const reply = await this.ask(['sentinel', 'get-master-addr-by-name', this.name]);
    return Number(reply.trim().split('\n')[1]);
  }

  private ask(args: string[]): Promise<string> {
    const auth =
      this.sentinelPassword === undefined ? [] : ['-a', this.sentinelPassword, '--no-auth-warning'];
    return redisCli([...auth, '-p', String(this.sentinel.port), ...args]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.sentinel, this.replica, this.primary].map((server) => server.stop()));
  }

  /** A failover needs the sentinel to know a replica in sync: waits for it (15 s at most). */
  private async waitUntilReplicaKnown(): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      // One "name value" per line pair, one block per replica.
      const lines = (await this.ask(['sentinel', 'replicas', this.name])).trim().split('\n');
      const value = (field: string) => lines[lines.indexOf(field) + 1];
      if (value('flags') === 'slave' && value('master-link-status') === 'ok') return;
      if (Date.now() > deadline) {
        throw new Error(`The sentinel did not find the replica of '${this.name}' within 15 s.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
