import { AcsEmulator } from 'nestjs-call-automation/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium';
import { type RunningSample, startSample } from '../support/sample-app';

/** A count the page shows (`<b data-count="name">`), as a browser-side expression. */
const count = (name: string) =>
  `Number(document.querySelector('[data-count="${name}"]')?.textContent)`;

/** The rows of the newest call's timeline, as the page shows them now. */
const rowsOfNewestCall = (page: Page) =>
  page.locator('#calls section').first().locator('tr').count();

/**
 * The live status page in headless Chromium: a call placed with the page's button appears and
 * its timeline grows through server-sent events, without a reload.
 */
describe('live status page (headless Chromium)', () => {
  let emulator: AcsEmulator;
  let sample: RunningSample;
  let browser: Browser;

  beforeAll(async () => {
    // The pace of `npm start`, so that the page sees the call while it is in progress.
    emulator = await new AcsEmulator({ eventDelayMs: 150, mediaDurationMs: 1_500 }).start();
    sample = await startSample(emulator);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sample?.app.close();
    await emulator?.stop();
  });

  it('shows a call placed with the button, and its timeline growing, without a reload', {
    timeout: 60_000,
  }, async () => {
    const page = await browser.newPage();
    const navigations: string[] = [];
    await page.goto(sample.base);
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations.push(frame.url());
    });
    await expect.poll(() => page.locator('#stream').textContent()).toBe('live');
    expect(await page.locator('#calls').textContent()).toBe('No calls yet.');
    expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(0);
    // Survives only if the page is never loaded again.
    await page.evaluate("window.marker = 'still here'");

    await page.getByRole('button', { name: 'Call: press 2' }).click();

    // The call appears: its section, with the first entries of its timeline.
    const section = page.locator('#calls section').first();
    await section.waitFor({ timeout: 15_000 });
    expect(await section.getAttribute('data-caller')).toMatch(/^4:\+1555/);
    await expect.poll(() => rowsOfNewestCall(page), { timeout: 15_000 }).toBeGreaterThan(0);
    const firstSeen = await rowsOfNewestCall(page);
    // While it is in progress, the page shows it counted, with what the IVR awaits pending.
    await page.waitForFunction(
      `(${count('callsInProgress')}) >= 1 && (${count('pendingWaiters')}) + (${count('pendingOperations')}) >= 1`,
      undefined,
      { timeout: 15_000 },
    );

    // It grows, and ends (the caller pressed 2: goodbye, hang up), still without a reload.
    await page.waitForFunction(
      "document.querySelector('#calls section h3 small')?.textContent.startsWith('ended')",
      undefined,
      { timeout: 20_000 },
    );

    const kinds = await section.locator('tr td:nth-child(2)').allTextContents();
    expect(kinds.length).toBeGreaterThan(firstSeen);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'IncomingCall',
        'CallConnected',
        'RecognizeCompleted',
        'CallDisconnected',
      ]),
    );
    expect(await page.locator('[data-count="callsInProgress"]').textContent()).toBe('0');
    expect(await page.locator('#placed').textContent()).toBe('call placed');
    expect(await page.evaluate('window.marker')).toBe('still here');
    expect(navigations).toEqual([]);
    await page.close();
  });
});
