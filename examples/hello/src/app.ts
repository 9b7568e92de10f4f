/**
 * The hello site: a page with a few sub-resources, a JSON API, an upload endpoint that answers the
 * SHA-256 of the body, and a streaming endpoint. Plain Fetch API only, so the same handler would
 * run under Deno.serve or Bun.serve; `main.ts` serves it with @h2tubes/web-adapter.
 */
import { createHash } from 'node:crypto';

/** Sends 103 Early Hints for a request (the adapter's `earlyHints`); optional so the app stays portable. */
export type HintSender = (request: Request, links: readonly string[]) => unknown;

const SUB_RESOURCES = [
  '</style.css>; rel=preload; as=style',
  '</app.js>; rel=preload; as=script',
  '</logo.svg>; rel=preload; as=image',
];

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>h2tubes hello</title>
  <link rel="stylesheet" href="/style.css">
  <script type="module" src="/app.js"></script>
</head>
<body>
  <img src="/logo.svg" alt="h2tubes" width="64" height="64">
  <h1>Hello from h2tubes</h1>
  <p>Protocol seen by the page: <output id="protocol">…</output></p>
  <p>Server time: <output id="time">…</output></p>
  <form id="upload"><input type="file" id="file"> <button>SHA-256</button> <output id="digest"></output></form>
  <pre id="ticks"></pre>
</body>
</html>
`;

const STYLE = `body { font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 40rem; }
h1 { color: #0b5394; } output { font-family: ui-monospace, monospace; }
`;

const SCRIPT = `const $ = (id) => document.getElementById(id);
const nav = performance.getEntriesByType('navigation')[0];
$('protocol').textContent = nav ? nav.nextHopProtocol : 'unknown';
fetch('/api/time').then((r) => r.json()).then((j) => { $('time').textContent = j.now; });
$('upload').addEventListener('submit', async (e) => {
  e.preventDefault();
  const file = $('file').files[0];
  if (!file) return;
  const r = await fetch('/api/upload', { method: 'POST', body: file });
  $('digest').textContent = (await r.json()).sha256;
});
const reader = (await fetch('/api/stream?count=5')).body.pipeThrough(new TextDecoderStream()).getReader();
for (;;) { const { done, value } = await reader.read(); if (done) break; $('ticks').textContent += value; }
`;

const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="32" r="30" fill="#0b5394"/><text x="32" y="41" font-size="26" text-anchor="middle" fill="#fff" font-family="sans-serif">h2</text></svg>`;

const STATIC: Record<string, { body: string; type: string }> = {
  '/style.css': { body: STYLE, type: 'text/css; charset=utf-8' },
  '/app.js': { body: SCRIPT, type: 'text/javascript; charset=utf-8' },
  '/logo.svg': { body: LOGO, type: 'image/svg+xml' },
};

const json = (value: unknown, status = 200): Response =>
  new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });

/**
 * Hashes a request body as it streams in: each chunk is read (and so acknowledged to the peer's
 * flow-control window) only after the previous one was hashed, so memory stays one chunk.
 */
async function sha256(body: ReadableStream<Uint8Array> | null): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  if (body !== null) {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      bytes += chunk.byteLength;
    }
  }
  return { bytes, sha256: hash.digest('hex') };
}

/**
 * One NDJSON line per tick. A pull source: the next line is made only when the transport asks for
 * it, i.e. when the windows and the socket have room.
 */
function ticks(count: number, intervalMs: number, signal: AbortSignal): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (i === count || signal.aborted) return controller.close();
        if (i > 0 && intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
        controller.enqueue(
          encoder.encode(`${JSON.stringify({ tick: i++, at: new Date().toISOString() })}\n`),
        );
      },
    },
    { highWaterMark: 0 },
  );
}

/** `size` octets where octet i is i mod 251 (a prime, so the pattern does not align with frame sizes). */
export function patternBytes(size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = i % 251;
  return out;
}

function intParam(url: URL, name: string, fallback: number, max: number): number {
  const n = Number.parseInt(url.searchParams.get(name) ?? '', 10);
  return Number.isFinite(n) && n >= 0 ? Math.min(n, max) : fallback;
}

/**
 * Builds the hello app's Fetch handler.
 *
 * @example
 * const app = createApp(earlyHints);
 * await serve(app, { port: 8080 });
 */
export function createApp(hints?: HintSender): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const path = url.pathname;
    const method = request.method;
    if (path === '/api/upload') {
      if (method !== 'POST' && method !== 'PUT') return json({ error: 'POST a body' }, 405);
      return json(await sha256(request.body));
    }
    if (method !== 'GET' && method !== 'HEAD') return json({ error: 'method not allowed' }, 405);
    if (path === '/') {
      // RFC 8297: let the browser fetch the sub-resources while the page is on its way.
      hints?.(request, SUB_RESOURCES);
      return new Response(PAGE, {
        headers: { 'content-type': 'text/html; charset=utf-8', link: SUB_RESOURCES.join(', ') },
      });
    }
    const file = STATIC[path];
    if (file !== undefined) {
      return new Response(file.body, {
        headers: { 'content-type': file.type, 'cache-control': 'max-age=60' },
      });
    }
    if (path === '/api/time') return json({ now: new Date().toISOString() });
    if (path === '/api/bytes') {
      // A download of `size` octets (default 1 MiB, at most 64 MiB) with a known pattern: byte i is i mod 251.
      const size = intParam(url, 'size', 1 << 20, 64 << 20);
      return new Response(patternBytes(size), { headers: { 'content-type': 'application/octet-stream' } });
    }
    if (path === '/api/stream') {
      const count = intParam(url, 'count', 10, 10_000);
      const interval = intParam(url, 'interval', 200, 10_000);
      return new Response(ticks(count, interval, request.signal), {
        headers: { 'content-type': 'application/x-ndjson' },
      });
    }
    return json({ error: 'not found', path }, 404);
  };
}
