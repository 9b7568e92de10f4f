/**
 * serveCluster in a worker process: it runs `start` and, when that gives something closable (a
 * serve() Server), closes it on SIGTERM/SIGINT and exits 0 (1 if closing failed). Workers are
 * child processes that coverage of the test process does not see, so this runs the worker side
 * here, with node:cluster saying "not the primary" and the signal handlers captured instead of
 * installed (emitting SIGTERM in the test process would reach vitest's own handlers).
 */
import * as http2 from 'node:http2';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('node:cluster', async (importOriginal) => {
  const real = (await importOriginal()) as { default: object };
  return { default: { ...real.default, isPrimary: false } };
});

const { serveCluster } = await import('../src/cluster.js');
const { serve } = await import('../src/serve.js');

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs serveCluster as a worker; the SIGTERM/SIGINT handlers it installs, and process.exit calls. */
async function asWorker(start: () => unknown) {
  const handlers = new Map<string, () => void>();
  vi.spyOn(process, 'once').mockImplementation(((event: string, fn: () => void) => {
    handlers.set(event, fn);
    return process;
  }) as typeof process.once);
  let resolveExit!: (code: number | undefined) => void;
  const exited = new Promise<number | undefined>((r) => {
    resolveExit = r;
  });
  vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
    resolveExit(code);
  }) as typeof process.exit);
  const result = await serveCluster(1, start as () => void);
  return { result, handlers, exited };
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on('error', reject);
    const stream = session.request({ ':path': '/' });
    stream.setEncoding('utf8');
    let body = '';
    stream.on('data', (c: string) => {
      body += c;
    });
    stream.on('end', () => {
      session.close();
      resolve(body);
    });
    stream.on('error', reject);
  });
}

describe('serveCluster in a worker', () => {
  it('serves what start() started and, on SIGTERM, closes it and exits 0', async () => {
    let server: Awaited<ReturnType<typeof serve>> | undefined;
    const { result, handlers, exited } = await asWorker(async () => {
      server = await serve(() => new Response('from the worker'));
      return server;
    });
    expect(result).toBeUndefined();
    expect([...handlers.keys()].sort()).toEqual(['SIGINT', 'SIGTERM']);
    expect(await get(server?.url ?? '')).toBe('from the worker');
    handlers.get('SIGTERM')?.();
    expect(await exited).toBe(0);
    await server?.closed; // closed for real: the port no longer answers
    await expect(get(server?.url ?? '')).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
  });

  it('exits 1 when closing fails', async () => {
    const { handlers, exited } = await asWorker(() => ({ close: () => Promise.reject(new Error('stuck')) }));
    handlers.get('SIGINT')?.();
    expect(await exited).toBe(1);
  });

  it('installs no handler when start() gives nothing closable', async () => {
    for (const given of [undefined, null, 42, { close: 'not a function' }]) {
      const { result, handlers } = await asWorker(() => given);
      expect(result).toBeUndefined();
      expect(handlers.size).toBe(0);
      vi.restoreAllMocks();
    }
  });
});
