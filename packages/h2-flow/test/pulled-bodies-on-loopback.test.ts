/**
 * Pulled response bodies on real sockets, against node:http2 clients: a demand-driven body is
 * generated only as fast as a slow client reads it, a hot feed under `dropOldest` holds at most
 * its capacity for a client that stopped reading and tells it how much it missed, and a plain
 * Observable that runs more than 1 MiB ahead resets only its own stream.
 */
import http2 from 'node:http2';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { bounded, demandDriven } from '@h2tubes/tubes';
import { Observable, Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, nodeGet, onClose, startServer, until } from './helpers/loopback.js';

afterEach(closeAll);

const KiB = 1024;
const MiB = 1024 * KiB;
const enc = new TextEncoder();

/** A full collection when the runtime allows it (`--expose-gc`, or the V8 flag set at run time). */
function collectGarbage(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g !== undefined) return g();
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function connect(port: number): http2.ClientHttp2Session {
  const client = http2.connect(`http://127.0.0.1:${port}`);
  client.on('error', () => {});
  onClose(() => client.destroy());
  return client;
}

/** Resolves after the event loop has turned (I/O included) a few times. */
const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('a demand-driven body is generated only as fast as the client reads', () => {
  it('1 GB on demand to a slow reader: generated ≤ read + windows and buffers, RSS flat, unsubscribed on CANCEL', async () => {
    const CHUNK = 64 * KiB;
    const TOTAL = 1 << 30;
    const READ = 32 * MiB;
    let generated = 0;
    let subscribed = 0;
    let unsubscribed = 0;
    const body = () =>
      demandDriven<Uint8Array>(
        (demand) =>
          new Observable<Uint8Array>((s) => {
            subscribed++;
            let sent = 0;
            const off = demand.onRequest(() => {
              while (sent < TOTAL && demand.take()) {
                sent += CHUNK;
                generated += CHUNK;
                s.next(new Uint8Array(CHUNK));
              }
              if (sent >= TOTAL) s.complete();
            });
            return () => {
              off();
              unsubscribed++;
            };
          }),
      );
    const server = await startServer((ex) => ex.respond(200, [], body()));
    const client = connect(server.port);

    /** Reads `bytes` of a fresh stream slowly (pausing each MiB), then cancels it. */
    const readSlowly = async (bytes: number) => {
      const start = generated;
      const req = client.request({ ':path': '/big' });
      let read = 0;
      let ahead = 0;
      let nextPause = MiB;
      await new Promise<void>((resolve, reject) => {
        req.on('error', reject);
        req.on('data', (c: Buffer) => {
          read += c.length;
          ahead = Math.max(ahead, generated - start - read);
          if (read >= bytes) {
            req.pause();
            resolve();
          } else if (read >= nextPause) {
            nextPause += MiB;
            req.pause();
            // The slow part: the reader rests a few event-loop turns, the server must wait for it.
            void turns(20).then(() => {
              ahead = Math.max(ahead, generated - start - read);
              req.resume();
            });
          }
        });
      });
      await turns(20);
      ahead = Math.max(ahead, generated - start - read);
      const closed = new Promise((r) => req.on('close', r));
      req.close(http2.constants.NGHTTP2_CANCEL);
      await closed;
      return { read, ahead, generated: generated - start };
    };

    // Warm-up, the same read once: code paths compiled, V8's heap and the allocator grown to their
    // working size, so what is measured next is what the pull itself keeps.
    await readSlowly(READ);
    await until(() => unsubscribed === 1);
    collectGarbage();
    const rssBefore = process.memoryUsage().rss;

    const r = await readSlowly(READ);
    await until(() => unsubscribed === 2);
    collectGarbage();
    const rssGrowth = process.memoryUsage().rss - rssBefore;

    // What may sit between the source and the client's 'data' events: the client's stream window
    // (node:http2 advertises 65 535), the server's per-stream send buffer (sendBufferSize 64 KiB, plus
    // the chunk that crosses it), the socket's outbound high-water mark (1 MiB, though the window
    // keeps it far below) and one chunk in the puller: 65 535 + 128 KiB + 1 MiB + 64 KiB ≈ 1.3 MiB.
    const bound = 65_535 + 2 * CHUNK + MiB + CHUNK;
    console.info(
      `demand-driven 1 GB body: client read ${r.read} B, source generated ${r.generated} B ` +
        `(most ahead of the reader: ${r.ahead} B, bound ${bound} B), RSS growth ${(rssGrowth / MiB).toFixed(1)} MiB`,
    );
    expect(r.read).toBeGreaterThanOrEqual(READ);
    expect(r.generated).toBeLessThanOrEqual(r.read + bound);
    expect(r.ahead).toBeLessThanOrEqual(bound);
    expect(rssGrowth).toBeLessThan(20 * MiB);
    expect(subscribed).toBe(2);
    expect(unsubscribed).toBe(2); // the source was released on CANCEL
    expect(generated).toBeLessThan(TOTAL / 8);
  });
});

describe('a hot feed bounded with dropOldest', () => {
  it('holds at most its capacity for a client that stopped reading, then sends the lag notice and the newest events', async () => {
    const EVENTS = 5000;
    const CAPACITY = 64;
    const ticker = new Subject<Uint8Array>();
    const pad = 'x'.repeat(1000);
    const event = (i: number) => enc.encode(`e${i} ${pad}\n`);
    const feed = bounded(ticker, {
      overflow: 'dropOldest',
      capacity: CAPACITY,
      lagged: (n) => enc.encode(`lagged ${n}\n`),
    });
    const server = await startServer((ex) =>
      ex.path === '/feed' ? ex.respond(200, [], feed) : ex.respond(200, [], 'ok'),
    );
    const client = connect(server.port);
    const req = client.request({ ':path': '/feed' });
    req.setEncoding('utf8');
    let text = '';
    let ended = false;
    req.on('data', (c: string) => {
      text += c;
    });
    req.on('end', () => {
      ended = true;
    });
    await new Promise((r) => req.on('response', r));

    // The first events are read as they come.
    for (let i = 0; i < 3; i++) ticker.next(event(i));
    await until(() => text.split('\n').length > 3);
    expect(text.startsWith('e0 ')).toBe(true);

    // The client stops reading; the feed runs on, synchronously.
    req.pause();
    for (let i = 3; i < EVENTS; i++) ticker.next(event(i));
    await turns(20);
    expect(feed.stats.highWater).toBeLessThanOrEqual(CAPACITY);
    expect(feed.stats.queued).toBeLessThanOrEqual(CAPACITY);
    expect(feed.stats.dropped).toBeGreaterThan(0);

    // Other connections are served meanwhile.
    expect(await nodeGet(server.port, '/other')).toEqual({ status: 200, body: 'ok' });

    const dropped = feed.stats.dropped;
    ticker.complete();
    req.resume();
    await until(() => ended);
    expect(ended).toBe(true);

    const lines = text.split('\n').slice(0, -1);
    const lag = lines.findIndex((l) => l.startsWith('lagged '));
    expect(lag).toBeGreaterThan(0);
    expect(lines.filter((l) => l.startsWith('lagged '))).toHaveLength(1);
    // Before the notice: the events already sent or in the stream's buffer, in order from e0.
    const ids = (ls: string[]) => ls.map((l) => Number(l.slice(1, l.indexOf(' '))));
    const before = ids(lines.slice(0, lag));
    expect(before).toEqual(before.map((_, i) => i));
    // The notice counts exactly what was dropped; after it, the newest events, in order.
    expect(Number(lines[lag]!.slice('lagged '.length))).toBe(dropped);
    expect(feed.stats.dropped).toBe(dropped);
    const after = ids(lines.slice(lag + 1));
    expect(after).toEqual(after.map((_, i) => EVENTS - after.length + i));
    expect(after.length).toBeLessThanOrEqual(CAPACITY);
    expect(before.length + dropped + after.length).toBe(EVENTS);
    expect(feed.stats.delivered).toBe(before.length + after.length);
    console.info(
      `dropOldest feed: ${before.length} sent before the client paused its reads, ${dropped} dropped, ` +
        `${after.length} newest after the lag notice, highWater ${feed.stats.highWater}`,
    );
  });
});

describe('a plain Observable body is bounded by default', () => {
  it('running more than 1 MiB ahead of a client that does not read resets the stream with INTERNAL_ERROR; the connection keeps serving', async () => {
    const errors: unknown[] = [];
    let emitted = 0;
    let unsubscribed = false;
    const server = await startServer(
      (ex) => {
        if (ex.path !== '/flood') return ex.respond(200, [], 'still here');
        ex.respond(
          200,
          [],
          new Observable<Uint8Array>((s) => {
            // A hot producer that ignores its reader: 64 KiB per event-loop turn.
            const timer = setInterval(() => {
              emitted += 64 * KiB;
              s.next(new Uint8Array(64 * KiB));
            }, 0);
            return () => {
              clearInterval(timer);
              unsubscribed = true;
            };
          }),
        );
      },
      { onError: (e) => errors.push(e) },
    );
    const client = connect(server.port);
    const req = client.request({ ':path': '/flood' });
    req.pause(); // never reads
    const closed = new Promise<void>((r) => req.on('close', () => r()));
    req.on('error', () => {});
    await closed;
    expect(req.rstCode).toBe(http2.constants.NGHTTP2_INTERNAL_ERROR);
    await until(() => errors.length > 0 && unsubscribed);
    expect(errors).toHaveLength(1);
    const message = (errors[0] as Error).message;
    expect((errors[0] as Error).name).toBe('BufferOverflowError');
    expect(message).toMatch(/bounded\(source, \{ overflow: 'dropOldest' \| 'pause' \| 'error'/);
    expect(message).toMatch(/demand-driven/);
    expect(unsubscribed).toBe(true);
    // It ran 1 MiB ahead, not more: windows + send buffer + the overflowing chunk.
    expect(emitted).toBeLessThanOrEqual(MiB + 65_535 + 3 * 64 * KiB);

    // The same connection keeps serving.
    const other = client.request({ ':path': '/other' });
    other.setEncoding('utf8');
    let body = '';
    other.on('data', (c: string) => {
      body += c;
    });
    await new Promise((r) => other.on('end', r));
    expect(body).toBe('still here');
    expect(server.ended()).toBe(0);
  });
});
