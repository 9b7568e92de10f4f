import { responseTrailers } from '@h2tubes/web-adapter';
import { describe, expect, it } from 'vitest';
import { createApp, SERVICE } from './app.js';
import { decodeEchoMessage, encodeEchoMessage } from './echo-message.js';
import { frameGrpcMessage, readGrpcMessages } from './grpc-framing.js';

const app = createApp();

function call(method: string, text: string, headers: Record<string, string> = {}): Promise<Response> {
  return app(
    new Request(`http://127.0.0.1:50051${SERVICE}${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc', te: 'trailers', ...headers },
      body: frameGrpcMessage(encodeEchoMessage(text)),
    }),
  );
}

async function messages(res: Response): Promise<string[]> {
  return (await readGrpcMessages(res.body, Number.POSITIVE_INFINITY)).map(decodeEchoMessage);
}

describe('EchoMessage encoding', () => {
  it('round-trips text, including a length over 127 (two-octet varint)', () => {
    for (const t of ['', 'hi', 'é'.repeat(100)]) expect(decodeEchoMessage(encodeEchoMessage(t))).toBe(t);
  });

  it('skips unknown fields', () => {
    const withExtra = new Uint8Array([0x10, 0x05, ...encodeEchoMessage('ok')]);
    expect(decodeEchoMessage(withExtra)).toBe('ok');
  });

  it('rejects a truncated message', () => {
    expect(() => decodeEchoMessage(new Uint8Array([0x0a, 0x05, 0x61]))).toThrow(RangeError);
  });
});

describe('grpc-echo app', () => {
  it('answers the unary Echo with the same text and grpc-status 0 as a trailer', async () => {
    const res = await call('Echo', 'hello');
    expect(res.headers.get('content-type')).toBe('application/grpc+proto');
    expect(await messages(res)).toEqual(['hello']);
    expect((await responseTrailers(res))?.get('grpc-status')).toBe('0');
  });

  it('streams Repeat as x-repeat-count messages, then grpc-status 0', async () => {
    const res = await call('Repeat', 'yo', { 'x-repeat-count': '4' });
    expect(await messages(res)).toEqual(['0: yo', '1: yo', '2: yo', '3: yo']);
    expect((await responseTrailers(res))?.get('grpc-status')).toBe('0');
  });

  it('reads a message split across body chunks', async () => {
    const framed = frameGrpcMessage(encodeEchoMessage('split me'));
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(framed.subarray(0, 3));
        c.enqueue(framed.subarray(3, 9));
        c.enqueue(framed.subarray(9));
        c.close();
      },
    });
    const res = await app(
      new Request(`http://x${SERVICE}Echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/grpc' },
        body,
        duplex: 'half',
      } as RequestInit),
    );
    expect(await messages(res)).toEqual(['split me']);
  });

  it('answers an unknown method with a trailers-only UNIMPLEMENTED (12)', async () => {
    const res = await call('Nope', 'x');
    expect(res.status).toBe(200);
    expect(res.headers.get('grpc-status')).toBe('12');
    expect(res.body).toBeNull();
  });

  it('answers INTERNAL (13) for a request without a message', async () => {
    const res = await app(
      new Request(`http://x${SERVICE}Echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/grpc' },
        body: new Uint8Array(0),
      }),
    );
    expect(res.headers.get('grpc-status')).toBe('13');
  });

  it('answers 415 to a non-gRPC request', async () => {
    expect((await app(new Request(`http://x${SERVICE}Echo`))).status).toBe(415);
  });
});
