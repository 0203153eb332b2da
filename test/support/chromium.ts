import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium: the tests never download a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/**
 * Installs Debian's `chromium` package when it is missing (as .ci/run does, with apt-get, as
 * root or through sudo), or fails saying how to install it: never a silent skip.
 */
function ensureChromium(): void {
  if (existsSync(CHROMIUM_PATH)) return;
  const root = process.getuid?.() === 0;
  const run = (command: string, args: string[]) =>
    root
      ? execFileSync(command, args, {
          stdio: 'pipe',
          env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        })
      : execFileSync('sudo', ['-n', command, ...args], {
          stdio: 'pipe',
          env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        });
  try {
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']);
  } catch (error) {
    throw new Error(
      `The browser tests need Debian's chromium at ${CHROMIUM_PATH}, and installing it failed (${(error as Error).message.split('\n')[0]}). Install it with: sudo apt-get install -y chromium (or run .ci/run, which does).`,
    );
  }
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`apt-get installed chromium, but ${CHROMIUM_PATH} is still missing.`);
  }
}

/** Headless Chromium through playwright-core. */
export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS });
}
