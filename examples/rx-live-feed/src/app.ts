/**
 * A live feed from an existing Rx app, streamed to many HTTP/2 clients as server-sent events.
 *
 *   GET /       a page that shows the feed (EventSource)
 *   GET /feed   text/event-stream: one `data:` event per feed item, `event: lagged` when the
 *               client read too slowly and missed some
 *   GET /stats  JSON: per connected client, events queued, dropped and delivered
 *
 * The feed is encoded once per item and shared; each client gets a pull-driven body with its
 * own bounded queue (`feedBody`), so a client that stops reading neither slows the feed for the
 * others nor grows the server's memory beyond `capacity` events.
 */
import { map, type Observable, share } from 'rxjs';
import { type FeedClientStats, feedBody } from './feed-body.js';

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

  const subscribe = (request: Request): Response => {
    const label = new URL(request.url).searchParams.get('client') ?? `#${nextClient++}`;
    const { body, stats } = feedBody(events$, { capacity, lagNotice });
    clients.set(label, stats);
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
          return Response.json(Object.fromEntries([...clients].map(([k, s]) => [k, { ...s }])));
        default:
          return new Response('not found\n', { status: 404 });
      }
    },
    stats: () => Object.fromEntries(clients),
  };
}
