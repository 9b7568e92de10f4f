import { afterEach, describe, expect, it } from 'vitest';
import { requestLineVerdict } from '../src/h2c-listener.js';
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
