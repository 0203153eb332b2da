import { freePort, LocalRedisServer } from './local-redis-server';
import { redisCli } from './redis-cli';

/**
 * A throw-away Redis Cluster of three masters (no replicas) on loopback ports, without
 * persistence: for tests of the `redis: { cluster }` option. Needs redis-server and redis-cli.
 */
export class LocalRedisCluster {
  private constructor(
    readonly nodes: readonly LocalRedisServer[],
    /** The credentials the nodes ask for, when started with them (`redis.username`, `redis.password`). */
    readonly credentials: { username?: string; password?: string } = {},
  ) {}

  /**
   * Starts three nodes, joins them into a cluster and waits until it serves every slot. With
   * `password`, every node asks for it (`requirepass`); with `username` too, the default user
   * is off and that ACL user (all commands and keys) is the only one.
   */
  static async start(
    options: { username?: string; password?: string } = {},
  ): Promise<LocalRedisCluster> {
    const { username, password } = options;
    if (username !== undefined && password === undefined) {
      throw new Error('LocalRedisCluster: a username needs a password.');
    }
    const auth =
      password === undefined
        ? []
        : username === undefined
          ? ['--requirepass', password]
          : [
              '--user',
              'default',
              'off',
              '--user',
              username,
              'on',
              `>${password}`,
              '~*',
              '&*',
              '+@all',
            ];
    const nodes: LocalRedisServer[] = [];
    try {
      for (let index = 0; index < 3; index++) {
        nodes.push(
          await LocalRedisServer.start({
            port: await clusterPort(),
            args: [
              '--cluster-enabled',
              'yes',
              '--cluster-config-file',
              'nodes.conf',
              '--cluster-node-timeout',
              '2000',
              ...auth,
            ],
          }),
        );
      }
      const cluster = new LocalRedisCluster(nodes, { username, password });
      await redisCli([
        ...cluster.cliAuth,
        '--cluster',
        'create',
        ...cluster.seeds.map(({ host, port }) => `${host}:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      await cluster.waitUntilOk();
      return cluster;
    } catch (error) {
      await Promise.all(nodes.map((node) => node.stop()));
      throw error;
    }
  }

  /** The nodes' addresses, as the `redis.cluster` option takes them. */
  get seeds(): { host: string; port: number }[] {
    return this.nodes.map((node) => ({ host: '127.0.0.1', port: node.port }));
  }

  /** redis-cli's arguments for the password, if any. */
  private get cliAuth(): string[] {
    const { username, password } = this.credentials;
    return [
      ...(username === undefined ? [] : ['--user', username]),
      ...(password === undefined ? [] : ['-a', password, '--no-auth-warning']),
    ];
  }

  /** Stops every node. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
  }

  /** Polls `CLUSTER INFO` on every node until each says `cluster_state:ok` (10 s at most). */
  private async waitUntilOk(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (const node of this.nodes) {
      for (;;) {
        const info = await redisCli([...this.cliAuth, '-p', String(node.port), 'cluster', 'info']);
        if (info.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) {
          throw new Error(
            `The Redis Cluster node on port ${node.port} is not ok after 10 s:\n${info}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }
}

/** A free port whose cluster bus port (port + 10000) is a valid port too. */
async function clusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10_000 < 65_536) return port;
  }
}
