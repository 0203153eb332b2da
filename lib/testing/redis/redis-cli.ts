import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs `redis-cli -h 127.0.0.1 <args>` and returns what it printed: the test servers are
 * driven with it so that the testing entry point does not need ioredis.
 */
export async function redisCli(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', ...args], { encoding: 'utf8' });
    return stdout;
  } catch (error) {
    const failure = error as Error & { stdout?: string; stderr?: string; code?: unknown };
    if (failure.code === 'ENOENT') {
      throw new Error(
        'The redis-cli binary was not found: it creates the test cluster. Install Redis (Debian/Ubuntu: sudo apt-get install redis-tools).',
      );
    }
    throw new Error(
      `redis-cli ${args.join(' ')} failed: ${failure.stderr || failure.stdout || failure.message}`,
    );
  }
}
