import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Past one process: HAProxy speaking h2 to two h2tubes processes (the README's "Going past one
// process" setup). A rolling restart behind it — each process closes gracefully with GOAWAY
// (RFC 9113 §6.8) and is started again — loses no request of h2load's: HAProxy keeps the client
// connection, opens new backend connections, and retries what a backend refused unprocessed.
// Skipped where haproxy is missing (scripts/install-peers.sh installs it).

// Bounded load, but processes start and h2load runs on a shared machine: room beyond the 30 s default.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });
const fixture = fileURLToPath(new URL('./fixtures/cluster-worker.mjs', import.meta.url));
const hasHaproxy = (() => {
  try {
    execFileSync('haproxy', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** One h2tubes process (the fixture, standalone) on `port`; resolves once it listens. */
function startBackend(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, 'standalone', String(port)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`backend on ${port} exited with ${code}`)));
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) resolve(child);
    });
  });
}

/** SIGTERM: the fixture closes its server gracefully (GOAWAY, in-flight requests finish), exits 0. */
function stopBackend(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

/** HAProxy's view of a server ("UP", "DOWN", ...) from its stats socket (`show stat`, CSV). */
function serverStatus(socketPath: string, server: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socketPath);
    let text = '';
    c.on('data', (d: Buffer) => {
      text += d.toString();
    });
    c.on('error', reject);
    c.on('end', () => {
      const header = (text.split('\n')[0] ?? '').replace(/^# /, '').split(',');
      const row = text.split('\n').find((l) => l.startsWith(`be,${server},`));
      resolve(row === undefined ? 'missing' : (row.split(',')[header.indexOf('status')] ?? ''));
    });
    c.end('show stat\n');
  });
}

const until = async (check: () => boolean | Promise<boolean>): Promise<void> => {
  while (!(await check())) await new Promise((r) => setTimeout(r, 50));
};

describe.skipIf(!hasHaproxy)('HAProxy (h2) in front of two h2tubes processes', () => {
  let dir: string;
  let haproxy: ChildProcess;
  const backends: ChildProcess[] = [];
  const ports: number[] = [];
  let front = 0;
  let statsSocket = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'h2tubes-haproxy-'));
    statsSocket = join(dir, 'stats.sock');
    front = await freePort();
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      ports.push(port);
      backends.push(await startBackend(port));
    }
    // The configuration of the README, with short health-check intervals for the test.
    const cfg = `
global
  stats socket ${statsSocket} level user
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  retries 3
  option redispatch 1
  retry-on all-retryable-errors
frontend fe
  bind 127.0.0.1:${front} proto h2
  default_backend be
backend be
  balance roundrobin
  server a 127.0.0.1:${ports[0]} proto h2 check inter 100 fall 1 rise 1
  server b 127.0.0.1:${ports[1]} proto h2 check inter 100 fall 1 rise 1
`;
    writeFileSync(join(dir, 'haproxy.cfg'), cfg);
    haproxy = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await until(async () => {
      try {
        return (
          (await serverStatus(statsSocket, 'a')) === 'UP' && (await serverStatus(statsSocket, 'b')) === 'UP'
        );
      } catch {
        return false; // the socket is not there yet
      }
    });
  });
  afterAll(async () => {
    haproxy?.kill('SIGTERM');
    for (const b of backends) if (b.exitCode === null) await stopBackend(b);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a rolling restart of both processes under h2load loses no request', async () => {
    const load = new Promise<string>((resolve, reject) =>
      execFile(
        'h2load',
        ['-n', '20000', '-c', '10', '-m', '10', `http://127.0.0.1:${front}/slow?ms=1`],
        { maxBuffer: 1 << 20 },
        (e, stdout) => (stdout.includes('requests:') ? resolve(stdout) : reject(e ?? new Error(stdout))),
      ),
    );
    let loadDone = false;
    void load.then(() => {
      loadDone = true;
    });
    const restarted: string[] = [];
    for (const [i, name] of ['a', 'b'].entries()) {
      const code = await stopBackend(backends[i] as ChildProcess);
      expect(code).toBe(0); // a graceful close, not a kill
      backends[i] = await startBackend(ports[i] as number);
      // Take the next one down only once HAProxy sends to this one again.
      await until(async () => (await serverStatus(statsSocket, name)) === 'UP');
      restarted.push(`${name} restarted${loadDone ? ' (after h2load finished)' : ' under load'}`);
    }
    const text = await load;
    console.log(`${restarted.join(', ')}\n${text}`);
    expect(text).toMatch(
      /requests: 20000 total, 20000 started, 20000 done, 20000 succeeded, 0 failed, 0 errored/,
    );
    expect(text).toMatch(/status codes: 20000 2xx/);
  });
});
