/**
 * The live feed on loopback with node:http2 clients: fast readers get every event while one
 * client on its own connection has stopped reading; the server holds at most `capacity` events
 * for the stalled client, tells it what it missed when it reads again, and forgets it when it goes.
 */
import * as http2 from 'node:http2';
import { type Server, serveRx } from '@h2tubes/web-adapter';
import { Subject, type Subscription, tap } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLiveFeed, type LiveFeed } from './app.js';

const CAPACITY = 64;
const EVENTS = 3000;
const BATCH = 20;
const PAD = 'x'.repeat(1000); // ~1 KB per event: 3 MB per client, far above any window

interface Client {
  readonly session: http2.ClientHttp2Session;
  readonly stream: http2.ClientHttp2Stream;
  readonly ids: number[];
  readonly lagged: number[];
  text: string;
}

let subscription: Subscription | undefined;
const sessions: http2.ClientHttp2Session[] = [];

afterEach(() => {
  for (const s of sessions.splice(0)) s.destroy();
  subscription?.unsubscribe();
});

async function startFeed(feed: LiveFeed): Promise<Server> {
  return new Promise((resolve, reject) => {
    subscription = serveRx({ hostname: '127.0.0.1', port: 0, gracefulTimeoutMs: 100, onListening: resolve })
      .pipe(tap(({ request, respond }) => respond(feed.respond(request))))
      .subscribe({ error: reject });
  });
}

/** Opens /feed on its own connection; parses events as they arrive when `reading`. */
function open(server: Server, label: string, reading: boolean): Client {
  const session = http2.connect(server.url);
  sessions.push(session);
  const stream = session.request({ ':path': `/feed?client=${label}` });
  const client: Client = { session, stream, ids: [], lagged: [], text: '' };
  stream.setEncoding('utf8');
  if (reading) startReading(client);
  return client;
}

function startReading(client: Client): void {
  client.stream.on('data', (chunk: string) => {
    client.text += chunk;
    let end = client.text.indexOf('\n\n');
    while (end >= 0) {
      const event = client.text.slice(0, end);
      client.text = client.text.slice(end + 2);
      const id = /^id: (\d+)$/m.exec(event);
      if (id) client.ids.push(Number(id[1]));
      else if (event.startsWith('event: lagged'))
        client.lagged.push(JSON.parse(event.split('data: ')[1] as string).dropped);
      end = client.text.indexOf('\n\n');
    }
  });
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('rx-live-feed with a client that stopped reading', () => {
  it('keeps the fast clients whole and the stalled client bounded', async () => {
    const feed$ = new Subject<{ n: number; pad: string }>();
    const feed = createLiveFeed(feed$, { capacity: CAPACITY });
    const server = await startFeed(feed);
    const fast = ['fast-1', 'fast-2', 'fast-3'].map((label) => open(server, label, true));
    const slow = open(server, 'slow', false);
    await until('four feed clients', () => Object.keys(feed.stats()).length === 4);

    // Batches paced by the fast clients only: if the stalled client held anything up (the shared
    // feed, the server's event loop, a connection-wide window), this would time out.
    for (let n = 0; n < EVENTS; n++) {
      feed$.next({ n, pad: PAD });
      if (n % BATCH === BATCH - 1)
        await until(`event ${n} at the fast clients`, () => fast.every((c) => c.ids.at(-1) === n));
    }

    for (const client of fast) expect(client.ids).toEqual(Array.from({ length: EVENTS }, (_, i) => i));
    const stalled = feed.stats().slow;
    expect(stalled).toBeDefined();
    expect(stalled?.highWater).toBeLessThanOrEqual(CAPACITY);
    expect(stalled?.queued).toBeLessThanOrEqual(CAPACITY);
    // What it got before stalling is at most its windows' worth; the rest was dropped, not held.
    expect(stalled?.delivered).toBeLessThan(EVENTS / 10);
    expect(stalled?.dropped).toBeGreaterThan(EVENTS * 0.9 - CAPACITY);

    // Reading again, it gets a lagged notice for what it missed, then the newest events.
    startReading(slow);
    feed$.next({ n: EVENTS, pad: PAD });
    await until('the stalled client to catch up', () => slow.ids.at(-1) === EVENTS);
    expect(slow.lagged.reduce((a, b) => a + b, 0)).toBe(stalled?.dropped);
    expect(slow.ids.length + (stalled?.dropped ?? 0)).toBe(EVENTS + 1);

    // Going away (RST_STREAM CANCEL) ends its subscription to the feed.
    slow.stream.close(http2.constants.NGHTTP2_CANCEL);
    await until('the server to forget the client', () => feed.stats().slow === undefined);
    expect(feed$.observed).toBe(true); // the fast clients are still subscribed
  });

  it('serves the page and the stats as JSON', async () => {
    const feed = createLiveFeed(new Subject(), { capacity: CAPACITY });
    const server = await startFeed(feed);
    const page = await fetch(server.url);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain("new EventSource('/feed");
    const stats = await fetch(new URL('/stats', server.url));
    expect(await stats.json()).toEqual({});
  });
});
