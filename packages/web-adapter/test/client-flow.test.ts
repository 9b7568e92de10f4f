/**
 * `connect(origin).fetch` behaviour that needs a server holding back: node:http2 (a peer no one
 * here wrote) limits concurrency, stops reading an upload, sends a body the client does not
 * read, or sees the client abort. Every server listens on 127.0.0.1:0 and is closed per test.
 */
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type H2Client } from '../src/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function nodeServer(
  onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void,
  settings: http2.Settings = {},
): Promise<H2Client> {
  const server = http2.createServer({ settings });
  server.on('stream', onStream);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const client = await connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  cleanups.push(() => client.close());
  return client;
}

async function until(what: string, condition: () => boolean, ms = 5000): Promise<void> {
  for (const deadline = Date.now() + ms; !condition(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('connect(origin).fetch against a node:http2 server holding back', () => {
  it("queues requests beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS instead of failing them (RFC 9113 §5.1.2)", async () => {
    let open = 0;
    let mostOpen = 0;
    const client = await nodeServer(
      (stream) => {
        open++;
        mostOpen = Math.max(mostOpen, open);
        stream.on('close', () => open--);
        setTimeout(() => {
          stream.respond({ ':status': 200 });
          stream.end('ok');
        }, 10);
      },
      { maxConcurrentStreams: 4 },
    );
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => client.fetch('/').then((r) => r.text())),
    );
    expect(answers).toEqual(Array(40).fill('ok'));
    expect(mostOpen).toBe(4);
  });

  it('pulls a streamed upload only as far as the windows while the server does not read, then sends it whole', async () => {
    const total = 8 * 1024 * 1024;
    const chunk = new Uint8Array(16 * 1024).fill(7);
    let produced = 0;
    const upload = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          if (produced >= total) return c.close();
          produced += chunk.length;
          c.enqueue(chunk);
        },
      },
      { highWaterMark: 0 },
    );
    let serverStream: http2.ServerHttp2Stream | undefined;
    let received = 0;
    const hash = createHash('sha256');
    const client = await nodeServer((stream) => {
      serverStream = stream;
      stream.pause(); // not reading: node returns no credit, its window for us closes
      stream.on('data', (c: Buffer) => {
        received += c.length;
        hash.update(c);
      });
      stream.on('end', () => {
        stream.respond({ ':status': 200 });
        stream.end(String(received));
      });
    });
    const answer = client.fetch('/upload', { method: 'POST', body: upload, duplex: 'half' } as RequestInit);
    await until('the server to get the request', () => serverStream !== undefined);
    await sleep(300);
    // The stream window (65 535) plus what node buffers and a chunk or two in hand: far below 8 MiB.
    expect(produced).toBeLessThan(512 * 1024);
    (serverStream as http2.ServerHttp2Stream).resume();
    const res = await answer;
    expect(await res.text()).toBe(String(total));
    const expected = createHash('sha256');
    for (let i = 0; i < total / chunk.length; i++) expected.update(chunk);
    expect(hash.digest('hex')).toBe(expected.digest('hex'));
  });

  it('takes from the server only the window while the response body is not read, then reads it whole', async () => {
    const total = 16 * 1024 * 1024;
    let accepted = 0;
    const client = await nodeServer((stream) => {
      stream.respond({ ':status': 200 });
      const block = Buffer.alloc(64 * 1024, 1);
      const write = (): void => {
        while (accepted < total) {
          accepted += block.length;
          if (!stream.write(block)) return void stream.once('drain', write);
        }
        stream.end();
      };
      write();
    });
    const res = await client.fetch('/big');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let read = (await reader.read()).value?.length ?? 0;
    await sleep(300);
    // node's writable buffer fills once our stream window is spent: the rest stays unproduced.
    expect(accepted).toBeLessThan(1024 * 1024);
    for (let r = await reader.read(); !r.done; r = await reader.read()) read += r.value.length;
    expect(read).toBe(total);
  });

  it('aborts a request mid-body with its signal: the server sees RST_STREAM CANCEL, the body fails with the reason', async () => {
    let resetCode: number | undefined;
    const client = await nodeServer((stream, headers) => {
      stream.respond({ ':status': 200 });
      if (headers[':path'] !== '/slow') return void stream.end('next request');
      stream.on('close', () => {
        resetCode = stream.rstCode;
      });
      stream.write('first part'); // and never ends
    });
    const controller = new AbortController();
    const res = await client.fetch('/slow', { signal: controller.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first part');
    controller.abort(new Error('user left'));
    await expect(reader.read()).rejects.toThrow('user left');
    await until('the server to see the reset', () => resetCode !== undefined);
    expect(resetCode).toBe(http2.constants.NGHTTP2_CANCEL);
    expect(await (await client.fetch('/after')).text()).toBe('next request'); // the connection goes on
  });

  it('close() while a response streams: node:http2 gets a valid GOAWAY (no session error), the response finishes, then close resolves (RFC 9113 §6.8)', async () => {
    const sessionErrors: unknown[] = [];
    let goawayCode: number | undefined;
    let serverStream: http2.ServerHttp2Stream | undefined;
    const client = await nodeServer((stream) => {
      stream.session?.on('error', (e) => sessionErrors.push(e));
      stream.session?.on('goaway', (code) => {
        goawayCode = code;
      });
      serverStream = stream;
      stream.respond({ ':status': 200 });
      stream.write('first half, ');
    });
    const res = await client.fetch('/long');
    const closed = client.close();
    await until('the server to see our GOAWAY', () => goawayCode !== undefined);
    expect(goawayCode).toBe(http2.constants.NGHTTP2_NO_ERROR);
    (serverStream as http2.ServerHttp2Stream).end('second half');
    expect(await res.text()).toBe('first half, second half');
    await closed;
    expect(sessionErrors).toEqual([]);
  });

  it('cancelling the response body resets the stream with CANCEL, so the server stops sending (RFC 9113 §8.1)', async () => {
    let resetCode: number | undefined;
    let written = 0;
    const client = await nodeServer((stream) => {
      const timer = setInterval(() => {
        written += 1000;
        stream.write('x'.repeat(1000));
      }, 2);
      stream.on('close', () => {
        clearInterval(timer);
        resetCode = stream.rstCode;
      });
      stream.on('error', () => {});
      stream.respond({ ':status': 200 });
    });
    const res = await client.fetch('/endless');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    await until('the server to see the reset', () => resetCode !== undefined);
    expect(resetCode).toBe(http2.constants.NGHTTP2_CANCEL);
    const writtenAtReset = written;
    await sleep(50);
    expect(written).toBe(writtenAtReset);
    await client.close(); // nothing left open: resolves
  });

  it('close(graceMs) cuts a response that does not finish in time, failing its body', async () => {
    const client = await nodeServer((stream) => {
      stream.on('error', () => {});
      stream.respond({ ':status': 200 });
      stream.write('never finished');
    });
    const res = await client.fetch('/stuck');
    const text = res.text();
    await client.close(100);
    await expect(text).rejects.toThrow();
  });

  it('request(), the Rx form: emits the Response once and completes; unsubscribing before the response resets the stream', async () => {
    let resetCode: number | undefined;
    const client = await nodeServer((stream, headers) => {
      if (headers[':path'] === '/slow') {
        stream.on('close', () => {
          resetCode = stream.rstCode;
        });
        return; // never answers
      }
      stream.respond({ ':status': 200 });
      stream.end('rx');
    });
    const seen: string[] = [];
    const done = new Promise<void>((resolve, reject) =>
      client.request('/fast').subscribe({
        next: (r) => {
          seen.push(`response ${r.status}`);
          r.text().then((t) => seen.push(t));
        },
        complete: resolve,
        error: reject,
      }),
    );
    await done;
    await until('the body', () => seen.length === 2);
    expect(seen).toEqual(['response 200', 'rx']);
    const sub = client.request('/slow').subscribe();
    await sleep(50);
    sub.unsubscribe();
    await until('the server to see the reset', () => resetCode !== undefined);
    expect(resetCode).toBe(http2.constants.NGHTTP2_CANCEL);
  });
});
