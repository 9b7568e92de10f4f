import { mkdtemp, rm } from 'node:fs/promises';
import * as http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { devCertificate } from '../src/dev-certificate.js';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';
import { type ServerWebSocket, upgradeWebSocket, type WebSocketOptions } from '../src/websocket/index.js';
import { rawExchange } from './raw-http1.js';

let server: Server | undefined;
afterEach(async () => {
  await server?.close(100);
  server = undefined;
});

/**
 * A server whose handler upgrades every request; a refused handshake answers 400 with the
 * TypeError's message (through onError), so the test sees which check refused it.
 */
async function upgrading(
  options: WebSocketOptions = {},
  before: (r: Request) => void = () => {},
  sockets: ServerWebSocket[] = [],
  tls?: { cert: string; key: string },
): Promise<Server> {
  server = await serve(
    (r) => {
      before(r);
      const { socket, response } = upgradeWebSocket(r, options);
      sockets.push(socket);
      socket.onmessage = (e) => socket.send(e.data as string);
      return response;
    },
    {
      tls,
      onError: (e) => new Response(`refused: ${(e as Error).message}`, { status: 400 }),
    },
  );
  return server;
}

const KEY = 'dGhlIHNhbXBsZSBub25jZQ=='; // RFC 6455 §1.3's example key
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

function handshake(port: number, lines: string[]): Promise<string> {
  return rawExchange(port, `${lines.join('\r\n')}\r\n\r\n`, /\r\n\r\n[\s\S]*(refused: [^\r\n]*|$)/);
}

const upgradeLines = (extra: string[] = [], method = 'GET') => [
  `${method} /chat HTTP/1.1`,
  'Host: example.test',
  'Upgrade: websocket',
  'Connection: Upgrade',
  `Sec-WebSocket-Key: ${KEY}`,
  'Sec-WebSocket-Version: 13',
  ...extra,
];

describe('the HTTP/1.1 opening handshake (RFC 6455 §4.2.1, §4.2.2)', () => {
  it('answers 101 with the Sec-WebSocket-Accept of the key', async () => {
    const s = await upgrading();
    const got = await handshake(s.port, upgradeLines());
    expect(got).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(got).toContain(`Sec-WebSocket-Accept: ${ACCEPT}\r\n`);
    expect(got).not.toMatch(/Sec-WebSocket-Protocol/i);
  });

  it('refuses a handshake that is not a GET (§4.2.1 item 1), answering the handler’s response', async () => {
    const s = await upgrading();
    const got = await handshake(s.port, upgradeLines([], 'POST'));
    expect(got).toMatch(/^HTTP\/1\.1 400 [^\r\n]*\r\n/);
    expect(got).toMatch(/\r\nconnection: close\r\n/);
    expect(got).toContain('refused: a WebSocket handshake is a GET');
  });

  it('refuses an Upgrade to another protocol (§4.2.1 item 3)', async () => {
    const s = await upgrading();
    const lines = upgradeLines().map((l) => (l === 'Upgrade: websocket' ? 'Upgrade: h2c' : l));
    expect(await handshake(s.port, lines)).toContain('refused: Upgrade must be websocket');
  });

  it('refuses a key that is not 16 bytes in base64 (§4.2.1 item 5)', async () => {
    const s = await upgrading();
    const lines = upgradeLines().map((l) =>
      l.startsWith('Sec-WebSocket-Key') ? 'Sec-WebSocket-Key: c2hvcnQ=' : l,
    );
    expect(await handshake(s.port, lines)).toContain('refused: Sec-WebSocket-Key is not 16 bytes in base64');
  });

  it('checks the request as the handler left it: Upgrade or Connection removed by middleware', async () => {
    const s1 = await upgrading({}, (r) => r.headers.delete('upgrade'));
    expect(await handshake(s1.port, upgradeLines())).toContain('refused: Upgrade must be websocket');
    await s1.close(100);
    const s2 = await upgrading({}, (r) => r.headers.set('connection', 'keep-alive'));
    expect(await handshake(s2.port, upgradeLines())).toContain('refused: Connection must include Upgrade');
  });

  it('refuses a request that was not a handshake received by this server', async () => {
    const s = await upgrading();
    const got = await rawExchange(s.port, 'GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    expect(got).toMatch(/^HTTP\/1\.1 400 /);
    expect(got).toContain('refused: not a WebSocket request received by this server');
  });

  it('sends the handler’s own response when it upgrades but answers something else', async () => {
    server = await serve((r) => {
      upgradeWebSocket(r);
      return new Response('go away', { status: 403, headers: { 'x-why': 'test', 'content-length': '7' } });
    });
    const got = await rawExchange(server.port, `${upgradeLines().join('\r\n')}\r\n\r\n`);
    expect(got).toMatch(/^HTTP\/1\.1 403 [^\r\n]*\r\n/);
    expect(got).toContain('x-why: test\r\n');
    expect(got.match(/content-length/gi)).toHaveLength(1);
    expect(got.endsWith('\r\n\r\ngo away')).toBe(true);
  });

  it('names the socket URL from Host, or localhost for an HTTP/1.0 client without one', async () => {
    const sockets: ServerWebSocket[] = [];
    const s = await upgrading({}, () => {}, sockets);
    await handshake(s.port, upgradeLines());
    const noHost = upgradeLines()
      .filter((l) => !l.startsWith('Host:'))
      .map((l) => l.replace('HTTP/1.1', 'HTTP/1.0'));
    const got = await handshake(s.port, noHost);
    expect(got).toMatch(/^HTTP\/1\.1 101 /);
    expect(sockets.map((w) => w.url)).toEqual(['ws://example.test/chat', 'ws://localhost/chat']);
  });
});

describe('subprotocol selection (RFC 6455 §4.2.2 item 5.4)', () => {
  it('accepts the configured subprotocol among those the ws client offers', async () => {
    const s = await upgrading({ protocol: 'v2.chat' });
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/`, ['v1.chat', 'v2.chat']);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('v2.chat');
    const echoed = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    ws.send('hi');
    expect(await echoed).toBe('hi');
    ws.close();
  });

  it('selects none when the client offers others or none', async () => {
    const sockets: ServerWebSocket[] = [];
    const s = await upgrading({ protocol: 'v2.chat' }, () => {}, sockets);
    const other = await handshake(s.port, upgradeLines(['Sec-WebSocket-Protocol: v1.chat, v3.chat']));
    const none = await handshake(s.port, upgradeLines());
    for (const got of [other, none]) {
      expect(got).toMatch(/^HTTP\/1\.1 101 /);
      expect(got).not.toMatch(/Sec-WebSocket-Protocol/i);
    }
    expect(sockets.map((w) => w.protocol)).toEqual(['', '']);
  });
});

describe('WebSocket over TLS without ALPN h2 (wss: over HTTP/1.1)', () => {
  let dir: string;
  let tls: { cert: string; key: string };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'h2tubes-wss-'));
    tls = await devCertificate(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens with the ws client and names the socket wss:', async () => {
    const sockets: ServerWebSocket[] = [];
    const s = await upgrading({}, () => {}, sockets, tls);
    const ws = new WebSocket(`wss://127.0.0.1:${s.port}/secure`, { ca: tls.cert });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const echoed = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    ws.send('over tls');
    expect(await echoed).toBe('over tls');
    expect(sockets[0]?.url).toBe(`wss://127.0.0.1:${s.port}/secure`);
    expect(sockets[0]?.transport).toBe('http/1.1');
    ws.close();
  });
});

describe('extended CONNECT (RFC 8441 §4, §5) checks, against node:http2', () => {
  async function connect(
    port: number,
    headers: http2.OutgoingHttpHeaders,
  ): Promise<{
    status: number;
    headers: http2.IncomingHttpHeaders;
    body: string;
    session: http2.ClientHttp2Session;
  }> {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
    const stream = session.request({
      ':method': 'CONNECT',
      ':scheme': 'http',
      ':authority': `127.0.0.1:${port}`,
      ':path': '/ws',
      'sec-websocket-version': '13',
      ...headers,
    });
    const response = await new Promise<http2.IncomingHttpHeaders>((resolve) =>
      stream.once('response', resolve),
    );
    const status = Number(response[':status']);
    let body = '';
    if (status !== 200) {
      stream.setEncoding('utf8');
      for await (const c of stream) body += c;
    }
    return { status, headers: response, body, session };
  }

  it('refuses an extended CONNECT for a protocol other than websocket', async () => {
    const s = await upgrading();
    const got = await connect(s.port, { ':protocol': 'webtransport' });
    expect(got.status).toBe(400);
    expect(got.body).toBe('refused: extended CONNECT for webtransport, not websocket');
    got.session.destroy();
  });

  it('answers 200 with the selected subprotocol', async () => {
    const s = await upgrading({ protocol: 'mqtt' });
    const got = await connect(s.port, { ':protocol': 'websocket', 'sec-websocket-protocol': 'wamp, mqtt' });
    expect(got.status).toBe(200);
    expect(got.headers['sec-websocket-protocol']).toBe('mqtt');
    got.session.destroy();
  });
});
