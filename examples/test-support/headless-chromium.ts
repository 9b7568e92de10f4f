/**
 * Headless Chromium for the examples' browser tests: Debian's `chromium` (never a downloaded
 * build), started with the flags that keep it from reaching out or asking anything, driven by
 * playwright-core. Each launch gets a fresh temporary profile.
 */
import type { Browser } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * @example
 * const browser = await launchHeadlessChromium();
 * try { ... } finally { await browser.close(); }
 */
export async function launchHeadlessChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}
