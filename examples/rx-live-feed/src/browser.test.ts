/**
 * The live feed in a real browser: headless Chromium opens the page over TLS HTTP/2, its
 * EventSource gets the events an Rx Subject emits, and the lag notice arrives as a named event.
 * (examples/hello's interop test insists on chromium in CI; here a machine without it skips.)
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { devCertificate, type Server, serveRx } from '@h2tubes/web-adapter';
import { Subject, type Subscription, tap } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, launchHeadlessChromium } from '../../test-support/headless-chromium.js';
import { createLiveFeed } from './app.js';

let subscription: Subscription | undefined;
let server: Server;
const feed$ = new Subject<{ n: number }>();
const feed = createLiveFeed(feed$, { capacity: 64 });

beforeAll(async () => {
  const cert = await devCertificate(path.join(mkdtempSync(path.join(tmpdir(), 'h2tubes-feed-')), 'certs'));
  server = await new Promise<Server>((resolve, reject) => {
    subscription = serveRx({
      hostname: '127.0.0.1',
      port: 0,
      tls: { cert: cert.cert, key: cert.key },
      gracefulTimeoutMs: 100,
      onListening: resolve,
    })
      .pipe(tap(({ request, respond }) => respond(feed.respond(request))))
      .subscribe({ error: reject });
  });
});

afterAll(() => subscription?.unsubscribe());

describe.skipIf(!existsSync(CHROMIUM_PATH))('rx-live-feed in headless Chromium', () => {
  it('streams the feed to an EventSource over h2', async () => {
    const browser = await launchHeadlessChromium();
    try {
      const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'live');
      for (let n = 0; n < 5; n++) feed$.next({ n });
      await page.waitForFunction(() => document.querySelectorAll('#events li').length === 5);
      expect(await page.textContent('#events li')).toBe('{"n":4}'); // newest first
      expect(Object.keys(feed.stats())).toEqual(['browser']);
      const protocol = await page.evaluate(
        () =>
          (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((e) =>
            e.name.includes('/feed'),
          )?.nextHopProtocol ??
          (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).nextHopProtocol,
      );
      expect(protocol).toBe('h2');
    } finally {
      await browser.close();
    }
  }, 60_000);
});
