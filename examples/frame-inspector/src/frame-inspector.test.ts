/**
 * The inspector between real peers no one here wrote: node:http2 and curl as clients, a
 * node:http2 server as the backend. Traffic must arrive unchanged and every frame be printed.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FrameInspector, startFrameInspector } from './frame-inspector.js';

let backend: http2.Http2Server;
let inspector: FrameInspector;
let lines: string[];

beforeEach(async () => {
  backend = http2.createServer();
  backend.on('stream', (stream, headers) => {
    if (headers[':path'] === '/hello') {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.end('hello');
      return;
    }
    const hash = createHash('sha256');
    stream.on('data', (c: Buffer) => hash.update(c));
    stream.on('end', () => {
      stream.respond({ ':status': 200 });
      stream.end(hash.digest('hex'));
    });
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  lines = [];
  inspector = await startFrameInspector({
    backend: { host: '127.0.0.1', port: (backend.address() as AddressInfo).port },
    print: (line) => lines.push(line),
  });
});

afterEach(async () => {
  await inspector.close();
  await new Promise<void>((r) => backend.close(() => r()));
});

async function nodeRequest(path: string, body?: Buffer): Promise<string> {
  const client = http2.connect(inspector.url);
  try {
    return await new Promise<string>((resolve, reject) => {
      const req = client.request({ ':path': path, ':method': body === undefined ? 'GET' : 'POST' });
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        text += c;
      });
      req.on('end', () => resolve(text));
      req.on('error', reject);
      req.end(body);
    });
  } finally {
    client.close();
  }
}

/** The lines printed for the first frame of `label` + `type` on `stream`, with the lines under it. */
function frameBlock(label: string, type: string, stream: number): string[] {
  const start = lines.findIndex(
    (l) => l.includes(`${label} ${type} frame <`) && l.endsWith(`stream_id=${stream}>`),
  );
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.startsWith('['));
  return lines.slice(start, end < 0 ? undefined : end);
}

describe('frame inspector between node:http2 peers', () => {
  it('relays a GET unchanged and prints the frames both ways, headers decoded', async () => {
    expect(await nodeRequest('/hello')).toBe('hello');
    expect(lines[0]).toMatch(
      /^\[ {2}\d\.\d{3}\] client→backend SETTINGS frame <length=\d+, flags=0x00, stream_id=0>$/,
    );
    expect(
      lines.some((l) => /backend→client SETTINGS frame <length=0, flags=0x01, stream_id=0>$/.test(l)),
    ).toBe(true);
    const request = frameBlock('client→backend', 'HEADERS', 1);
    expect(request[0]).toMatch(/flags=0x05, stream_id=1>$/);
    expect(request).toContain('          ; END_STREAM | END_HEADERS');
    expect(request).toContain('          :method: GET');
    expect(request).toContain('          :path: /hello');
    const response = frameBlock('backend→client', 'HEADERS', 1);
    expect(response).toContain('          :status: 200');
    expect(response).toContain('          content-type: text/plain');
    expect(
      lines.some((l) => /backend→client DATA frame <length=5, flags=0x0[01], stream_id=1>$/.test(l)),
    ).toBe(true);
  });

  it('relays a 1 MB upload byte for byte through flow control, printing its WINDOW_UPDATEs', async () => {
    const body = Buffer.alloc(1 << 20, 'x');
    const digest = createHash('sha256').update(body).digest('hex');
    expect(await nodeRequest('/upload', body)).toBe(digest);
    const data = lines.filter((l) => /client→backend DATA frame <length=\d+/.test(l));
    const sent = data.reduce((n, l) => n + Number(/length=(\d+)/.exec(l)?.[1]), 0);
    expect(sent).toBe(body.length);
    expect(
      lines.some((l) => /backend→client WINDOW_UPDATE frame <length=4, flags=0x00, stream_id=1>$/.test(l)),
    ).toBe(true);
  });
});

describe('frame inspector with curl as the client', () => {
  it('shows curl’s request headers and relays the answer', async () => {
    const { stdout } = await promisify(execFile)('curl', [
      '-sS',
      '--http2-prior-knowledge',
      `${inspector.url}hello`,
    ]);
    expect(stdout).toBe('hello');
    const request = frameBlock('client→backend', 'HEADERS', 1);
    expect(request.some((l) => /^ {10}user-agent: curl\//.test(l))).toBe(true);
    expect(request).toContain('          :scheme: http');
  });
});
