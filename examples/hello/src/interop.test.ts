/**
 * The main job against real peers no one here wrote: curl (h2c and TLS/ALPN), nghttp, h2load,
 * Node's http2 client and headless Chromium. `npm run setup` installs the tools (Debian
 * nghttp2-client, chromium); outside CI a missing tool skips its test with a note.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { devCertificate, earlyHints, type Server, serve } from '@h2tubes/web-adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchHeadlessChromium } from '../../test-support/headless-chromium.js';
import { createApp, patternBytes } from './app.js';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'h2tubes-interop-'));

function has(tool: string): boolean {
  const found = ['/usr/bin', '/usr/sbin', '/usr/local/bin'].some((d) => {
    try {
      return statSync(path.join(d, tool)).isFile();
    } catch {
      return false;
    }
  });
  if (!found && process.env.CI) throw new Error(`${tool} is required in CI (npm run setup installs it)`);
  return found;
}

let server: Server;
let certPath: string;
let tlsUrl: string;
let h2cUrl: string;

beforeAll(async () => {
  const cert = await devCertificate(path.join(dir, 'certs'));
  certPath = cert.certPath;
  server = await serve(createApp(earlyHints), {
    port: 0,
    h2cPort: 0,
    tls: { cert: cert.cert, key: cert.key },
  });
  tlsUrl = server.addresses[0]!.url;
  h2cUrl = server.addresses[1]!.url;
});

afterAll(async () => {
  await server?.close(1000);
});

async function curl(...args: string[]): Promise<string> {
  const { stdout } = await run('curl', ['-sS', '--max-time', '20', ...args], { maxBuffer: 1 << 26 });
  return stdout;
}

describe('curl', () => {
  it('GETs over h2c with prior knowledge and gets HTTP/2 200', async () => {
    const out = await curl('--http2-prior-knowledge', '-i', `${h2cUrl}api/time`);
    expect(out).toMatch(/^HTTP\/2 200/m);
    expect(out).toMatch(/"now":"/);
  });

  it('negotiates h2 over TLS with ALPN and gets the page', async () => {
    const out = await curl('--http2', '--cacert', certPath, '-i', tlsUrl);
    expect(out).toMatch(/^HTTP\/2 200/m);
    expect(out).toContain('<h1>Hello from h2tubes</h1>');
  });

  it('POSTs 10 MB over h2c and over TLS and both answers carry its SHA-256', async () => {
    const body = Buffer.alloc(10 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 997) body[i] = i & 0xff;
    const file = path.join(dir, 'upload.bin');
    writeFileSync(file, body);
    const digest = createHash('sha256').update(body).digest('hex');
    const h2c = JSON.parse(
      await curl('--http2-prior-knowledge', '--data-binary', `@${file}`, `${h2cUrl}api/upload`),
    );
    const tls = JSON.parse(
      await curl('--http2', '--cacert', certPath, '--data-binary', `@${file}`, `${tlsUrl}api/upload`),
    );
    expect(h2c).toEqual({ bytes: body.length, sha256: digest });
    expect(tls).toEqual({ bytes: body.length, sha256: digest });
  });

  it('downloads 20 MiB over h2c and over TLS intact (curl opens huge windows, so only the socket paces us)', async () => {
    const digest = createHash('sha256')
      .update(patternBytes(20 << 20))
      .digest('hex');
    for (const args of [
      ['--http2-prior-knowledge', `${h2cUrl}api/bytes?size=${20 << 20}`],
      ['--http2', '--cacert', certPath, `${tlsUrl}api/bytes?size=${20 << 20}`],
    ]) {
      const file = path.join(dir, 'download.bin');
      await curl('-o', file, ...args);
      expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(digest);
    }
  });

  it('ends an upload the handler does not read: curl gets the 405 and finishes (RFC 9113 §8.1)', async () => {
    const file = path.join(dir, 'unread.bin');
    writeFileSync(file, Buffer.alloc(10 * 1024 * 1024, 1));
    // Without RST_STREAM NO_ERROR curl waits on a closed window until --max-time and fails.
    const out = await curl(
      '--http2-prior-knowledge',
      '--data-binary',
      `@${file}`,
      '-w',
      '\n%{http_code}',
      `${h2cUrl}api/time`,
    );
    expect(out.trim().split('\n').at(-1)).toBe('405');
  });

  it('answers HEAD with the headers and no body', async () => {
    const out = await curl('--http2-prior-knowledge', '-I', `${h2cUrl}style.css`);
    expect(out).toMatch(/^HTTP\/2 200/m);
    expect(out).toMatch(/content-type: text\/css/);
  });

  it('falls back to HTTP/1.1 on the TLS port for a client that offers only http/1.1', async () => {
    const out = await curl('--http1.1', '--cacert', certPath, '-i', `${tlsUrl}api/time`);
    expect(out).toMatch(/^HTTP\/1\.1 200/m);
  });
});

describe.skipIf(!has('nghttp'))('nghttp / h2load (nghttp2)', () => {
  it('nghttp -nv sees SETTINGS, the 103 and the 200 with its body, and no error', async () => {
    const { stdout } = await run('nghttp', ['-nv', h2cUrl], { maxBuffer: 1 << 24 });
    expect(stdout).toMatch(/recv SETTINGS frame/);
    expect(stdout).toMatch(/:status: 103/);
    expect(stdout).toMatch(/:status: 200/);
    expect(stdout).toMatch(/recv DATA frame <length=\d+, flags=0x01, stream_id=\d+>\s+; END_STREAM/);
    expect(stdout).not.toMatch(/recv (GOAWAY|RST_STREAM)/);
  });

  it('h2load: 20 000 requests over 10 connections × 10 streams, all succeed', async () => {
    const { stdout } = await run('h2load', ['-n', '20000', '-c', '10', '-m', '10', `${h2cUrl}api/time`], {
      maxBuffer: 1 << 24,
    });
    expect(stdout).toMatch(
      /requests: 20000 total, 20000 started, 20000 done, 20000 succeeded, 0 failed, 0 errored/,
    );
    expect(stdout).toMatch(/status codes: 20000 2xx/);
  });
});

describe('node:http2 client', () => {
  it('fetches the page over TLS h2 and the JSON API over h2c', async () => {
    const get = (url: string, opts: http2.SecureClientSessionOptions) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const u = new URL(url);
        const client = http2.connect(u.origin, opts);
        client.on('error', reject);
        const req = client.request({ ':path': u.pathname });
        let status = 0;
        let body = '';
        req.on('response', (h) => {
          if (Number(h[':status']) >= 200) status = Number(h[':status']);
        });
        req.setEncoding('utf8');
        req.on('data', (c: string) => {
          body += c;
        });
        req.on('end', () => {
          client.close();
          resolve({ status, body });
        });
        req.on('error', reject);
      });
    const page = await get(tlsUrl, { ca: readFileSync(certPath) });
    const time = await get(`${h2cUrl}api/time`, {});
    expect(page.status).toBe(200);
    expect(page.body).toContain('h2tubes');
    expect(time.status).toBe(200);
    expect(JSON.parse(time.body).now).toMatch(/^\d{4}-/);
  });
});

describe.skipIf(!has('chromium'))('headless Chromium', () => {
  it('loads the TLS page and every sub-resource arrives over h2', async () => {
    const browser = await launchHeadlessChromium(['--disable-quic']);
    try {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      await page.goto(tlsUrl, { waitUntil: 'networkidle' });
      await page.waitForFunction(() => document.getElementById('ticks')?.textContent?.includes('"tick":4'));
      const protocols = await page.evaluate(() =>
        performance
          .getEntries()
          .filter((e): e is PerformanceResourceTiming => 'nextHopProtocol' in e)
          .map((e) => ({ name: e.name, protocol: e.nextHopProtocol })),
      );
      const names = protocols.map((p) => new URL(p.name).pathname);
      expect(names).toEqual(expect.arrayContaining(['/', '/style.css', '/app.js', '/logo.svg', '/api/time']));
      expect(protocols.every((p) => p.protocol === 'h2')).toBe(true);
      expect(await page.textContent('#protocol')).toBe('h2');
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('streams an 8 MiB upload from the page (fetch with a ReadableStream body, which Chromium sends only over h2)', async () => {
    const browser = await launchHeadlessChromium(['--disable-quic']);
    try {
      const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
      await page.goto(tlsUrl);
      const outcome = await page.evaluate(async () => {
        const size = 8 * 1024 * 1024;
        const chunk = new Uint8Array(64 * 1024).fill(7);
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(c) {
            if (sent >= size) return c.close();
            sent += chunk.length;
            c.enqueue(chunk);
          },
        });
        const res = await fetch('/api/upload', { method: 'POST', body, duplex: 'half' } as RequestInit);
        const answer = (await res.json()) as { bytes: number; sha256: string };
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(size).fill(7)));
        return { answer, expected: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') };
      });
      expect(outcome.answer).toEqual({ bytes: 8 * 1024 * 1024, sha256: outcome.expected });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
