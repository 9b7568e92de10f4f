/**
 * The chat in a real browser: headless Chromium loads the page over TLS HTTP/2 and opens a
 * WebSocket to the same origin. Chromium then uses extended CONNECT on that connection (RFC 8441)
 * because serve() announced SETTINGS_ENABLE_CONNECT_PROTOCOL; the server records the exchanges
 * its HTTP/2 stack hands out to assert `:protocol websocket`.
 * (examples/hello's interop test insists on chromium in CI; here a machine without it skips.)
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ServerExchange } from '@h2tubes/h2-flow';
import { serverConnection } from '@h2tubes/h2-flow';
import { devCertificate, type Server, serve } from '@h2tubes/web-adapter';
import { tap } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, launchHeadlessChromium } from '../../test-support/headless-chromium.js';
import { createChatApp } from './app.js';

let server: Server;
const exchanges: ServerExchange[] = [];
const closes: { path: string; code: number; reason: string }[] = [];

beforeAll(async () => {
  const cert = await devCertificate(path.join(mkdtempSync(path.join(tmpdir(), 'h2tubes-ws-')), 'certs'));
  const app = createChatApp({ onSocketClosed: (path, code, reason) => closes.push({ path, code, reason }) });
  server = await serve(app, {
    tls: { cert: cert.cert, key: cert.key },
    h2cPort: 0, // cleartext: browsers speak HTTP/1.1 there, so the WebSocket is an Upgrade
    gracefulTimeoutMs: 100,
    acceptH2: (socket, options) => serverConnection(socket, options).pipe(tap((e) => exchanges.push(e))),
  });
});

afterAll(() => server?.close(100));

describe.skipIf(!existsSync(CHROMIUM_PATH))('ws-chat in headless Chromium', () => {
  it('opens the WebSocket with extended CONNECT over h2, echoes byte-exact, and closes with 4000', async () => {
    const browser = await launchHeadlessChromium();
    try {
      const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
      await page.goto(server.url);
      // The page's own WebSocket: the server's welcome says which transport it arrived by.
      await page.waitForFunction(() => document.getElementById('transport')?.textContent === 'h2');
      expect(await page.textContent('#page-protocol')).toBe('h2');
      const connect = exchanges.find((e) => e.path === '/chat');
      expect(connect).toMatchObject({ method: 'CONNECT', protocol: 'websocket' });

      // The echo checks, run in the page: 1,000 messages (multi-byte text and binary) and 1 MiB.
      const result = await page.evaluate(async () => {
        const url = new URL('/echo', location.href);
        url.protocol = 'wss:';
        const ws = new WebSocket(url);
        ws.binaryType = 'arraybuffer';
        await new Promise((resolve, reject) => {
          ws.onopen = resolve;
          ws.onerror = reject;
        });
        const sent: (string | Uint8Array)[] = [];
        for (let i = 0; i < 1000; i++)
          sent.push(
            i % 2 === 0
              ? `message ${i}: héllo — 日本語 🚀 ${'é'.repeat(i % 50)}`
              : Uint8Array.from({ length: (i * 37) % 3000 }, (_, k) => (k * 7 + i) & 0xff),
          );
        sent.push(Uint8Array.from({ length: 1 << 20 }, (_, k) => (k * 13) & 0xff));
        const received: (string | ArrayBuffer)[] = [];
        const all = new Promise<void>((resolve) => {
          ws.onmessage = (e) => {
            received.push(e.data);
            if (received.length === sent.length) resolve();
          };
        });
        for (const m of sent) ws.send(m);
        await all;
        let mismatches = 0;
        for (let i = 0; i < sent.length; i++) {
          const a = sent[i] as string | Uint8Array;
          const b = received[i] as string | ArrayBuffer;
          if (typeof a === 'string') {
            if (a !== b) mismatches++;
          } else {
            const bb = new Uint8Array(b as ArrayBuffer);
            if (bb.length !== a.length || bb.some((x, k) => x !== a[k])) mismatches++;
          }
        }
        const closed = new Promise<{ code: number; reason: string; wasClean: boolean }>((resolve) => {
          ws.onclose = (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean });
        });
        ws.close(4000, 'bye ✓');
        return { count: received.length, mismatches, close: await closed };
      });
      expect(result.count).toBe(1001);
      expect(result.mismatches).toBe(0);
      expect(result.close).toMatchObject({ code: 4000, wasClean: true });
      const echo = exchanges.filter((e) => e.path === '/echo');
      expect(echo).toHaveLength(1);
      expect(echo[0]).toMatchObject({ method: 'CONNECT', protocol: 'websocket' });
      // The server saw the browser's Close, code and reason intact.
      expect(closes).toContainEqual({ path: '/echo', code: 4000, reason: 'bye ✓' });
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('over cleartext the page gets HTTP/1.1 and its WebSocket an Upgrade, and says so', async () => {
    const browser = await launchHeadlessChromium();
    try {
      const page = await browser.newPage();
      await page.goto(server.addresses[1]?.url as string);
      await page.waitForFunction(() => document.getElementById('transport')?.textContent === 'http/1.1');
      expect(await page.textContent('#page-protocol')).toBe('http/1.1');
    } finally {
      await browser.close();
    }
  }, 60_000);
});
