import { execFile, execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** vitest runs from the repository's root. */
const root = process.cwd();
const fixtures = join(root, 'test/package/apps');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};

/**
 * Lays out `<dir>/node_modules` as `npm install nestjs-call-automation` would in an app: the
 * package (its package.json and a fresh build of `lib/` with the tsconfig `npm run build` uses,
 * written here so that the repository's own dist/ is neither needed nor touched), and beside it
 * the repository's installed dependencies and peers, linked.
 */
function installPackage(dir: string): void {
  const installed = join(dir, 'node_modules', manifest.name);
  mkdirSync(installed, { recursive: true });
  cpSync(join(root, 'package.json'), join(installed, 'package.json'));
  const build = join(root, 'tsconfig.build.json');
  execFileSync(process.execPath, [tsc, '-p', build, '--outDir', join(installed, 'dist')]);
  const linked = [
    ...Object.keys(manifest.dependencies),
    ...Object.keys(manifest.peerDependencies),
    '@nestjs/platform-express',
    '@types/node',
  ];
  for (const name of linked) {
    const link = join(dir, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(root, 'node_modules', name), link, 'dir');
  }
}

/** Copies a fixture app next to the installed package and runs it with the node running vitest. */
async function runApp(dir: string, fixture: 'esm' | 'cjs'): Promise<unknown> {
  const app = join(dir, fixture);
  cpSync(join(fixtures, fixture), app, { recursive: true });
  cpSync(join(fixtures, 'call-app.cjs'), join(app, 'call-app.cjs'));
  const { stdout } = await promisify(execFile)(process.execPath, ['main.js'], {
    cwd: app,
    timeout: 60_000,
  });
  return JSON.parse(stdout);
}

/** What an app sees when the package works: see test/package/apps/call-app.cjs. */
const WORKING_APP = {
  webhookStatus: 200,
  handled: { kind: 'PlayCompleted', callConnectionId: 'app-call' },
  timeout: { name: 'CallAutomationTimeoutError', isCallAutomationTimeoutError: true },
  oneNestCore: true,
};

describe('the built package in a Nest app', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'call-automation-apps-'));
    installPackage(dir);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('works in an ES-module app ("type": "module") that imports it', async () => {
    expect(await runApp(dir, 'esm')).toEqual(WORKING_APP);
  });

  it('works in a CommonJS app that requires it', async () => {
    expect(await runApp(dir, 'cjs')).toEqual(WORKING_APP);
  });

  it('gives TypeScript its types in ES-module and CommonJS files (module nodenext)', () => {
    const app = join(dir, 'types');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        include: ['*.mts', '*.cts'],
      }),
    );
    const usage = `
      export const waitForPlay = (processor: EventProcessorService): Promise<'PlayCompleted'> =>
        processor.waitForEvent({ kind: 'PlayCompleted' }, { timeoutMs: 50 }).then((event) => event.kind);
      export const isTimeout = (error: unknown): boolean => error instanceof CallAutomationTimeoutError;
      export const onPlay: MethodDecorator = OnCallEvent('PlayCompleted');
      export const played: string = callEvents.playCompleted({ callConnectionId: 'c1' }).type;
      // @ts-expect-error webhookPath is a string: the options have types, they are not any
      CallAutomationModule.forRoot({ webhookPath: 42 });
    `;
    const names =
      'CallAutomationModule, CallAutomationTimeoutError, EventProcessorService, OnCallEvent';
    writeFileSync(
      join(app, 'app.mts'),
      `import { ${names} } from 'nestjs-call-automation';
       import { callEvents } from 'nestjs-call-automation/testing';
       ${usage}`,
    );
    writeFileSync(
      join(app, 'app.cts'),
      `import { ${names} } from 'nestjs-call-automation';
       import testing = require('nestjs-call-automation/testing');
       const { callEvents } = testing;
       ${usage}`,
    );
    const check = spawnSync(process.execPath, [tsc, '-p', join(app, 'tsconfig.json')], {
      encoding: 'utf8',
    });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
