/**
 * A body that comes one promise at a time (an async generator, a ReadableStream) is read ahead of
 * the stream's send buffer, within the windows and the socket's room, and its chunks leave in a
 * few large writes rather than one write each: that is what makes such a body as fast as a
 * Uint8Array one (bench/src/bulk-download.ts). Against Node's HTTP/2 client, on loopback.
 */
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serverConnection } from '../src/index.js';
import type { BodySource } from '../src/tubes/exchange-types.js';

const CHUNK = 65_536;
const CHUNKS = 64; // 4 MiB
const chunkBytes = (i: number) => new Uint8Array(CHUNK).fill(i % 251);

async function* generated(): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < CHUNKS; i++) yield chunkBytes(i);
}

function pulledStream(): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i === CHUNKS) controller.close();
      else controller.enqueue(chunkBytes(i++));
    },
  });
}

function expectedDigest(): string {
  const hash = createHash('sha256');
  for (let i = 0; i < CHUNKS; i++) hash.update(chunkBytes(i));
  return hash.digest('hex');
}

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** Serves `body()` to every request; counts the server socket's writes to the kernel. */
async function serveCounting(body: () => BodySource): Promise<{ url: string; writes: () => number }> {
  let writes = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    // The handle's calls are the system calls (libuv's writes), whatever node:stream buffered.
    const handle = (socket as unknown as { _handle: Record<string, (...a: unknown[]) => unknown> })._handle;
    for (const method of ['writev', 'writeBuffer'] as const) {
      const original = handle[method]?.bind(handle);
      if (original === undefined) continue;
      handle[method] = (...args: unknown[]) => {
        writes++;
        return original(...args);
      };
    }
    serverConnection(socket).subscribe({
      next: (ex) => ex.respond(200, [{ name: 'content-type', value: 'application/octet-stream' }], body()),
      error: () => {},
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, writes: () => writes };
}

/** GETs / with stream and connection windows of 32 MiB (as curl has), returns the body's SHA-256. */
async function fetchDigest(url: string): Promise<string> {
  const client = http2.connect(url, { settings: { initialWindowSize: 32 << 20 } });
  // The connection's window too, as curl opens it (node:http2 leaves it at 65,535).
  client.once('connect', () => client.setLocalWindowSize(32 << 20));
  closers.push(() => client.close());
  const req = client.request({ ':path': '/' });
  const hash = createHash('sha256');
  req.on('data', (d: Buffer) => hash.update(d));
  await new Promise<void>((resolve, reject) => {
    req.on('end', resolve);
    req.on('error', reject);
  });
  return hash.digest('hex');
}

describe('a body read one promise at a time', () => {
  it.each([
    ['an async generator', generated],
    ['a ReadableStream', pulledStream],
  ])('%s of 64 × 64 KiB chunks arrives intact in a few large writes, not one per chunk', async (_, body) => {
    const server = await serveCounting(body);
    expect(await fetchDigest(server.url)).toBe(expectedDigest());
    // Without read-ahead: one write per chunk (67 measured, with SETTINGS and HEADERS); with it,
    // about one per MiB of the socket's room (7–9 measured). The bound leaves room for a slow
    // machine, where the socket may take less at once.
    expect(server.writes()).toBeLessThan(CHUNKS / 3);
  });
});
