import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Builds sample-app/dist as `npm run start:cluster` does after building the library (npm test
 * built it), for the specs that run the sample as separate processes.
 */
export function buildSampleApp(root: string): void {
  try {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'sample-app/tsconfig.json'],
      { cwd: root, encoding: 'utf8' },
    );
  } catch (error) {
    throw new Error(`the sample app does not build:\n${(error as { stdout?: string }).stdout}`);
  }
}
