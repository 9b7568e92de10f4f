/**
 * `h2tubes serve <module>` on the three module shapes it takes (a Hono app, `export default
 * { fetch }`, a bare function), reached the way its banner says: curl over h2c with prior
 * knowledge, curl over TLS trusting the development certificate, HTTP/1.1 fallback, and
 * node:http2 on both ports. Ctrl-C (SIGINT) ends it gracefully with status 0.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, type CliRun, FIXTURES, startNode, stop, waitForOutput } from './cli-process.js';

const run = promisify(execFile);
// The development certificate goes to $XDG_CACHE_HOME; a temporary one keeps $HOME untouched.
const cache = mkdtempSync(path.join(tmpdir(), 'h2tubes-cli-'));

afterAll(() => {
  rmSync(cache, { recursive: true, force: true });
});

async function curl(...args: string[]): Promise<string> {
  const { stdout } = await run('curl', ['-sS', '-i', '--max-time', '20', ...args]);
  return stdout;
}

function http2Get(url: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, ca === undefined ? {} : { ca });
    session.on('error', reject);
    const req = session.request({ ':path': new URL(url).pathname });
    let status = 0;
    let body = '';
    req.setEncoding('utf8');
    req.on('response', (h) => {
      status = Number(h[':status']);
    });
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      session.close();
      resolve({ status, body });
    });
    req.on('error', reject);
  });
}

const shapes = [
  { module: 'hono-app.js', body: 'hono says hello to x\n' },
  { module: 'fetch-object.js', body: 'object says hello to /hello/x\n' },
  { module: 'bare-function.js', body: 'function says hello to /hello/x\n' },
];

describe.each(shapes)('h2tubes serve $module', ({ module, body }) => {
  let cli: CliRun;
  let tlsUrl: string;
  let h2cUrl: string;
  let cacert: string;

  beforeAll(async () => {
    cli = startNode(CLI, ['serve', path.join(FIXTURES, module), '--port', '0', '--h2c-port', '0'], {
      XDG_CACHE_HOME: cache,
    });
    await waitForOutput(cli, /^Ctrl-C/m);
    tlsUrl = /^ {2}(https:\/\/\S+)/m.exec(cli.stdout)?.[1] ?? '';
    h2cUrl = /^ {2}(http:\/\/\S+)/m.exec(cli.stdout)?.[1] ?? '';
    cacert = /--cacert (\S+)/.exec(cli.stdout)?.[1] ?? '';
  });

  afterAll(async () => {
    await stop(cli);
  });

  it('prints both URLs and ready-to-paste curl lines', () => {
    expect(tlsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    expect(h2cUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(cli.stdout).toContain(`curl --http2 --cacert ${cacert} ${tlsUrl}`);
    expect(cli.stdout).toContain(`curl --http2-prior-knowledge ${h2cUrl}`);
    expect(cacert.startsWith(cache)).toBe(true);
  });

  it('answers curl over h2c with prior knowledge', async () => {
    const out = await curl('--http2-prior-knowledge', `${h2cUrl}hello/x`);
    expect(out).toMatch(/^HTTP\/2 200/);
    expect(out.endsWith(body)).toBe(true);
  });

  it('answers curl over TLS with ALPN h2, trusting the printed certificate', async () => {
    const out = await curl('--http2', '--cacert', cacert, `${tlsUrl}hello/x`);
    expect(out).toMatch(/^HTTP\/2 200/);
    expect(out.endsWith(body)).toBe(true);
  });

  it('falls back to HTTP/1.1 for curl --http1.1 on both ports', async () => {
    const plain = await curl('--http1.1', `${h2cUrl}hello/x`);
    const secure = await curl('--http1.1', '-k', `${tlsUrl}hello/x`);
    expect(plain).toMatch(/^HTTP\/1\.1 200/);
    expect(secure).toMatch(/^HTTP\/1\.1 200/);
    expect(plain.endsWith(body) && secure.endsWith(body)).toBe(true);
  });

  it('answers node:http2 over h2c and over TLS', async () => {
    expect(await http2Get(`${h2cUrl}hello/x`)).toEqual({ status: 200, body });
    expect(await http2Get(`${tlsUrl}hello/x`, readFileSync(cacert, 'utf8'))).toEqual({ status: 200, body });
  });

  it('closes gracefully on SIGINT with status 0', async () => {
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    expect(cli.stdout).toContain('h2tubes: SIGINT, closing gracefully');
    expect(cli.stderr).toBe('');
  });
});
