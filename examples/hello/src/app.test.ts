import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.js';

const app = createApp();
const get = (path: string, init?: RequestInit) => app(new Request(`https://127.0.0.1:8443${path}`, init));

describe('hello app', () => {
  it('serves the page that links its sub-resources', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    for (const sub of ['/style.css', '/app.js', '/logo.svg']) expect(html).toContain(sub);
  });

  it('sends early hints for the sub-resources when given a hint sender (RFC 8297)', async () => {
    const sent: string[][] = [];
    await createApp((_r, links) => sent.push([...links]))(new Request('https://x/'));
    expect(sent[0]).toHaveLength(3);
    expect(sent[0]?.[0]).toContain('</style.css>');
  });

  it('serves each sub-resource with its content type', async () => {
    expect((await get('/style.css')).headers.get('content-type')).toContain('text/css');
    expect((await get('/app.js')).headers.get('content-type')).toContain('javascript');
    const logo = await get('/logo.svg');
    expect(logo.headers.get('content-type')).toBe('image/svg+xml');
    expect(await logo.text()).toContain('<svg');
  });

  it('answers the JSON time API', async () => {
    const body = (await (await get('/api/time')).json()) as { now: string };
    expect(Number.isNaN(Date.parse(body.now))).toBe(false);
  });

  it('answers the SHA-256 of a 10 MB upload, streamed in chunks', async () => {
    const data = randomBytes(10 * 1024 * 1024);
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (offset >= data.length) return c.close();
        c.enqueue(data.subarray(offset, offset + 65_536));
        offset += 65_536;
      },
    });
    const res = await get('/api/upload', { method: 'POST', body, duplex: 'half' } as RequestInit);
    const json = (await res.json()) as { bytes: number; sha256: string };
    expect(json.bytes).toBe(data.length);
    expect(json.sha256).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('refuses GET on the upload endpoint with 405', async () => {
    expect((await get('/api/upload')).status).toBe(405);
  });

  it('streams NDJSON ticks', async () => {
    const res = await get('/api/stream?count=4&interval=0');
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { tick: number });
    expect(lines.map((l) => l.tick)).toEqual([0, 1, 2, 3]);
  });

  it('stops the stream when the request is aborted', async () => {
    const controller = new AbortController();
    const res = await app(
      new Request('https://x/api/stream?count=1000&interval=0', { signal: controller.signal }),
    );
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    let n = 0;
    while (!(await reader.read()).done) n++;
    expect(n).toBeLessThan(5);
  });

  it('answers 404 with JSON for an unknown path', async () => {
    const res = await get('/nope');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { path: string }).path).toBe('/nope');
  });
});
