import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requestLineVerdict } from '../src/h2c-listener.js';
import { sniffPreface } from '../src/listeners.js';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';
import { rawExchange } from './raw-http1.js';

// The cleartext port tells HTTP/1.x from HTTP/2 by the request line (RFC 9112 §3): the parts of
// the grammar not exercised by rfc9113-3.4-invalid-preface.test.ts.

let server: Server | undefined;
afterEach(async () => {
  await server?.close(100);
  server = undefined;
});

const v = (s: string): string => requestLineVerdict(Buffer.from(s, 'latin1'));

describe('requestLineVerdict: method tokens and the HTTP-version (RFC 9112 §3, §2.3)', () => {
  it('takes digits and lowercase letters in a method as tchar (RFC 9110 §5.6.2)', () => {
    expect(v('M2 / HTTP/1.1\r\n')).toBe('http1');
    expect(v('get / HTTP/1.1\r\n')).toBe('http1');
    expect(v("M-._~!#$%&'*+^`| / HTTP/1.1\r\n")).toBe('http1');
    expect(v('GE\u0000 / HTTP/1.1\r\n')).toBe('not-http1');
  });

  it('waits inside the version and before its line end', () => {
    expect(v('GET / HTTP/')).toBe('undecided');
    expect(v('GET / HTTP/1.1')).toBe('undecided');
  });

  it('rejects a version that is not HTTP/1.DIGIT, and CR not followed by LF', () => {
    expect(v('GET / HTTP/1.x\r\n')).toBe('not-http1');
    expect(v('GET / HTTP/1.1\rX')).toBe('not-http1');
    expect(v('GET / HTTP/1.1X')).toBe('not-http1');
    expect(v('GET / HTTX')).toBe('not-http1');
  });
});

describe('what a client on the cleartext port gets for each verdict', () => {
  it('an HTTP/1.x request line with an unknown method reaches node:http, which answers in HTTP/1.1', async () => {
    server = await serve(() => new Response('not reached'));
    const got = await rawExchange(server.port, 'M2 / HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(got).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('a line that is not HTTP/1.x (HTTP/1.x version) gets the HTTP/2 answer: GOAWAY, no HTTP/1.1 text', async () => {
    server = await serve(() => new Response('not reached'));
    const got = Buffer.from(await rawExchange(server.port, 'GET / HTTP/1.x\r\n\r\n'), 'latin1');
    expect(got.subarray(0, 5).toString('latin1')).not.toBe('HTTP/');
    // Frames: SETTINGS first (type 4), then a GOAWAY (type 7) somewhere after it.
    const types: number[] = [];
    for (let i = 0; i + 9 <= got.length; ) {
      const len = got.readUIntBE(i, 3);
      types.push(got[i + 3] as number);
      i += 9 + len;
    }
    expect(types[0]).toBe(4);
    expect(types).toContain(7);
  });
});

// A cleartext client that never sends enough to tell the protocols apart must not hold a socket
// for ever (a slowloris on the sniffing stage): it is closed and handed to neither side.
describe('a cleartext connection that never says which protocol it speaks', () => {
  async function sniffingServer(timeoutMs?: number) {
    const handedOver: string[] = [];
    const tcp = net.createServer((socket) =>
      sniffPreface(
        socket,
        { http2: () => handedOver.push('h2'), http1: () => handedOver.push('http/1.1') },
        timeoutMs,
      ),
    );
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const port = (tcp.address() as net.AddressInfo).port;
    return { handedOver, port, close: () => new Promise((r) => tcp.close(r)) };
  }

  /** Connects, writes `bytes`, optionally ends; resolves with what came back once the server closed. */
  function sendAndWaitForClose(port: number, bytes: string, end: boolean): Promise<string> {
    return new Promise((resolve, reject) => {
      const client = net.connect(port, '127.0.0.1', () => {
        if (end) client.end(bytes);
        else client.write(bytes);
      });
      let got = '';
      client.on('data', (b: Buffer) => {
        got += b.toString('latin1');
      });
      client.on('error', reject);
      client.on('close', () => resolve(got));
    });
  }

  it('is closed when its sniffing time runs out, mid-preface', async () => {
    const server = await sniffingServer(50);
    try {
      expect(await sendAndWaitForClose(server.port, 'PRI * HTTP/2', false)).toBe('');
      expect(server.handedOver).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('is closed at once when it ends its side mid-request-line', async () => {
    const server = await sniffingServer(3_600_000); // past the test's timeout: only the end can close it
    try {
      expect(await sendAndWaitForClose(server.port, 'GET / HT', true)).toBe('');
      expect(server.handedOver).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
