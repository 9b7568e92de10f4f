/**
 * A live feed from an existing Rx app, streamed to many HTTP/2 clients as server-sent events.
 *
 *   GET /       a page that shows the feed (EventSource)
 *   GET /feed   text/event-stream: one `data:` event per feed item, `event: lagged` when the
 *               client read too slowly and missed some
 *   GET /stats  JSON: per connected client, events queued, dropped and delivered
 *
 * The feed is encoded once per item and shared; each client gets a pull-driven body with its
 * own bounded queue (`bounded(..., { overflow: 'dropOldest' })` from `@h2tubes/tubes`), so a client
 * that stops reading neither slows the feed for the others nor grows the server's memory beyond
 * `capacity` events.
 */
import { bounded, type PullStats, toReadableStream } from '@h2tubes/tubes';
import { map, type Observable, share } from 'rxjs';

/** What one client's feed body did (`@h2tubes/tubes`' pull stats): queued, highWater, dropped, delivered. */
export type FeedClientStats = PullStats;

const encoder = new TextEncoder();

/** Options of `createLiveFeed`. */
export interface LiveFeedOptions {
  /** Events held per client that is not reading (default 256). */
  readonly capacity?: number;
}

/** The feed's HTTP side: answers requests, reports per-client stats. */
export interface LiveFeed {
  respond(request: Request): Response;
  /** Connected feed clients by label (`?client=` of their request, or `#n`). */
  stats(): Record<string, FeedClientStats>;
}

const PAGE = `<!doctype html>
<meta charset="utf-8"><title>rx-live-feed</title>
<h1>rx-live-feed</h1><p id="status">connecting…</p><ol id="events" reversed></ol>
<script>
  const list = document.getElementById('events');
  const source = new EventSource('/feed?client=browser');
  source.onopen = () => { document.getElementById('status').textContent = 'live'; };
  const show = (text) => {
    list.insertAdjacentHTML('afterbegin', '<li></li>');
    list.firstChild.textContent = text;
    while (list.children.length > 20) list.lastChild.remove();
  };
  source.onmessage = (e) => show(e.data);
  source.addEventListener('lagged', (e) => show('missed ' + JSON.parse(e.data).dropped + ' events'));
</script>
`;

/** One server-sent event (HTML Living Standard §9.2.6); JSON keeps `data` on one line. */
function toServerSentEvent(item: unknown, id: number): string {
  return `id: ${id}\ndata: ${JSON.stringify(item)}\n\n`;
}

function lagNotice(dropped: number): string {
  return `event: lagged\ndata: {"dropped":${dropped}}\n\n`;
}

/**
 * Builds the feed's HTTP side over `feed$` (any Observable: a Subject, a websocket of market
 * data, an `interval`).
 *
 * @example
 * const feed = createLiveFeed(ticker$);
 * serveRx({ port: 8090 }).pipe(tap(({ request, respond }) => respond(feed.respond(request)))).subscribe();
 */
export function createLiveFeed(feed$: Observable<unknown>, options: LiveFeedOptions = {}): LiveFeed {
  const capacity = options.capacity ?? 256;
  const events$ = feed$.pipe(map(toServerSentEvent), share());
  const clients = new Map<string, FeedClientStats>();
  let nextClient = 1;

  /**
   * Strings to UTF-8, one chunk per string. The writable side's high-water mark is the default 1
   * (with 0, `pipeThrough` would wait forever for room); the readable side reads on demand only.
   */
  const encodeText = (): TransformStream<string, Uint8Array> =>
    new TransformStream({ transform: (text, c) => c.enqueue(encoder.encode(text)) }, undefined, {
      highWaterMark: 0,
    });

  const subscribe = (request: Request): Response => {
    const label = new URL(request.url).searchParams.get('client') ?? `#${nextClient++}`;
    // The body is read only when the stream's window and the socket have room (highWaterMark 0),
    // so a client that stops reading stops being read for; meanwhile its events wait in a
    // drop-oldest queue of `capacity` (references to the shared strings), and the feed never
    // waits. Reading again, it gets a lag notice first, then the newest events.
    const feed = bounded(events$, { overflow: 'dropOldest', capacity, lagged: lagNotice });
    const body = toReadableStream(feed).pipeThrough(encodeText());
    clients.set(label, feed.stats);
    request.signal.addEventListener('abort', () => clients.delete(label), { once: true });
    return new Response(body, {
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store' },
    });
  };

  return {
    respond(request) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 });
      switch (new URL(request.url).pathname) {
        case '/':
          return new Response(PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } });
        case '/feed':
          return subscribe(request);
        case '/stats':
          return Response.json(
            Object.fromEntries(
              [...clients].map(([k, s]) => [
                k,
                { queued: s.queued, highWater: s.highWater, dropped: s.dropped, delivered: s.delivered },
              ]),
            ),
          );
        default:
          return new Response('not found\n', { status: 404 });
      }
    },
    stats: () => Object.fromEntries(clients),
  };
}
