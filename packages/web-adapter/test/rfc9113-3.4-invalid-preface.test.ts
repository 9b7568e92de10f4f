import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requestLineVerdict } from '../src/h2c-listener.js';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';

// RFC 9113 §3.4: "Clients and servers MUST treat an invalid connection preface as a connection
// error of type PROTOCOL_ERROR." On the cleartext port that also speaks HTTP/1.1, bytes that are
// neither the preface nor an HTTP/1.x request line (RFC 9112 §3) must not get an HTTP/1.1 400:
// an HTTP/2 client cannot read it. They get what the HTTP/2 side answers: GOAWAY PROTOCOL_ERROR,
// then the connection closes (§6.8; the GOAWAY is the SHOULD of §5.4.1, the close the MUST).

let server: Server | undefined;
afterEach(async () => {
  await server?.close(100);
  server = undefined;
});

const hello = (): Response => new Response('hello');

/** Writes `bytes` on a raw TCP socket and collects everything until the server closes. */
function exchangeRaw(port: number, bytes: string | Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    socket.on('data', (d: Buffer) => got.push(d));
    // A reset after the server's close still counts as closed; what it wrote before is kept.
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
    socket.on('close', () => resolve(Buffer.concat(got)));
    socket.write(bytes);
  });
}

interface RawFrame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

/** Splits server bytes into HTTP/2 frames (RFC 9113 §4.1 frame layout); throws on a partial frame. */
function framesOf(bytes: Buffer): RawFrame[] {
  const frames: RawFrame[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (bytes.length - i < 9) throw new Error(`a partial frame header: ${bytes.subarray(i).toString('hex')}`);
    const length = bytes.readUIntBE(i, 3);
    const payload = bytes.subarray(i + 9, i + 9 + length);
    if (payload.length !== length) throw new Error('a partial frame payload');
    frames.push({
      type: bytes[i + 3] as number,
      flags: bytes[i + 4] as number,
      streamId: bytes.readUInt32BE(i + 5) & 0x7fffffff,
      payload,
    });
    i += 9 + length;
  }
  return frames;
}

const GOAWAY = 0x7;
const PROTOCOL_ERROR = 0x1;

/** The error code of the last GOAWAY (RFC 9113 §6.8: last-stream-id, then error code). */
function goawayError(bytes: Buffer): number | undefined {
  const goaways = framesOf(bytes).filter((f) => f.type === GOAWAY && f.streamId === 0);
  return goaways.at(-1)?.payload.readUInt32BE(4);
}

describe('RFC 9113 §3.4 invalid preface on the shared h2c + HTTP/1.1 port', () => {
  it('answers bytes that are no HTTP/1.x request line with GOAWAY PROTOCOL_ERROR and a close, not HTTP/1.1 400', async () => {
    server = await serve(hello);
    const reply = await exchangeRaw(server.port, 'INVALID CONNECTION PREFACE\r\n\r\n');
    expect(reply.subarray(0, 5).toString()).not.toBe('HTTP/');
    expect(goawayError(reply)).toBe(PROTOCOL_ERROR);
  });

  it('treats a preface that diverges after its first line as invalid (§3.4), not as HTTP/1.x', async () => {
    server = await serve(hello);
    // "PRI * HTTP/2.0" is no HTTP/1.x request line (RFC 9112 §2.3: HTTP-version).
    const reply = await exchangeRaw(server.port, 'PRI * HTTP/2.0\r\n\r\nXY\r\n\r\n');
    expect(goawayError(reply)).toBe(PROTOCOL_ERROR);
  });

  it('treats binary junk as an invalid preface (§3.4)', async () => {
    server = await serve(hello);
    const reply = await exchangeRaw(server.port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01]));
    expect(goawayError(reply)).toBe(PROTOCOL_ERROR);
  });

  it('still serves an HTTP/1.1 request, and node:http still answers 400 to a malformed HTTP/1.1 one', async () => {
    server = await serve(hello);
    const ok = await exchangeRaw(server.port, 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    expect(ok.toString()).toMatch(/^HTTP\/1\.1 200 /);
    expect(ok.toString()).toContain('\r\nhello\r\n');
    // The request line is HTTP/1.x, so HTTP/1.1 rules apply (RFC 9112 §5: a field without a colon).
    const bad = await exchangeRaw(server.port, 'GET / HTTP/1.1\r\nno colon here\r\n\r\n');
    expect(bad.toString()).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('still serves HTTP/2 with prior knowledge after the preface arrives byte by byte (§3.3)', async () => {
    server = await serve(hello);
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    const socket = net.connect(server.port, '127.0.0.1');
    const got: Buffer[] = [];
    socket.on('data', (d: Buffer) => got.push(d));
    await new Promise((resolve) => socket.once('connect', resolve));
    for (const byte of preface) {
      socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    socket.write(Buffer.from([0, 0, 0, 0x4, 0, 0, 0, 0, 0])); // an empty SETTINGS (§3.4)
    await new Promise<void>((resolve) => {
      const check = (): void => {
        const frames = framesOf(Buffer.concat(got));
        if (frames.some((f) => f.type === 0x4 && (f.flags & 0x1) === 0x1)) resolve();
        else socket.once('data', check);
      };
      check();
    });
    // The server's SETTINGS then its ACK of ours: it took the connection as HTTP/2, no GOAWAY.
    expect(goawayError(Buffer.concat(got))).toBeUndefined();
    socket.destroy();
  });
});

describe('RFC 9113 §3.4 invalid preface on an h2c-only port (serve with http1: false)', () => {
  it('answers an invalid preface with GOAWAY PROTOCOL_ERROR, then closes', async () => {
    server = await serve(hello, { http1: false });
    const reply = await exchangeRaw(server.port, 'INVALID CONNECTION PREFACE\r\n\r\n');
    expect(goawayError(reply)).toBe(PROTOCOL_ERROR);
  });

  it('answers an HTTP/1.1 request the same way: no HTTP/1.1 on this port', async () => {
    server = await serve(hello, { http1: false });
    const reply = await exchangeRaw(server.port, 'GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    expect(reply.subarray(0, 5).toString()).not.toBe('HTTP/');
    expect(goawayError(reply)).toBe(PROTOCOL_ERROR);
  });
});

describe('requestLineVerdict (RFC 9112 §3 request-line)', () => {
  const v = (s: string): string => requestLineVerdict(Buffer.from(s, 'latin1'));
  it('accepts HTTP/1.0 and HTTP/1.1 request lines, after optional empty lines (§2.2)', () => {
    expect(v('GET / HTTP/1.1\r\n')).toBe('http1');
    expect(v('OPTIONS * HTTP/1.0\r\n')).toBe('http1');
    expect(v('\r\nPOST /a?b=c HTTP/1.1\n')).toBe('http1');
    expect(v('CONNECT example.com:443 HTTP/1.1\r\n')).toBe('http1');
  });
  it('waits while the bytes may still become a request line', () => {
    expect(v('GE')).toBe('undecided');
    expect(v('GET /long')).toBe('undecided');
    expect(v('GET / HTTP/1.')).toBe('undecided');
    expect(v('GET / HTTP/1.1\r')).toBe('undecided');
  });
  it('rejects at the first byte that cannot belong to one', () => {
    expect(v('INVALID CONNECTION PREFACE\r\n\r\n')).toBe('not-http1');
    expect(v('PRI * HTTP/2.0\r\n')).toBe('not-http1');
    expect(v('GET /\r\n')).toBe('not-http1'); // HTTP/0.9
    expect(v('GET  / HTTP/1.1\r\n')).toBe('not-http1');
    expect(v('\u0016\u0003\u0001')).toBe('not-http1'); // a TLS ClientHello on the cleartext port
    expect(v('GET / HTTP/1.1 \r\n')).toBe('not-http1');
  });
  it('hands a well-formed but huge target to node:http, which answers it (414/431)', () => {
    expect(v(`GET /${'a'.repeat(20_000)}`)).toBe('http1');
  });
});
