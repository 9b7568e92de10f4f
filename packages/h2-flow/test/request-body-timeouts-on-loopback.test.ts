/**
 * `requestBodyTimeout` and `minRequestBodyRate` (core/request-body-timeouts.ts) on a live loopback
 * connection: a raw socket opens a POST and then sends nothing, or crawls. The answer must reach
 * the wire (408 + RST_STREAM NO_ERROR, or RST_STREAM CANCEL once a response started), the
 * exchange's signal aborts, the connection stays up, and another connection is served. Short
 * limits through the options keep the test quick; no timing is asserted, only the outcome.
 */
import { type EncodedFieldBlock, type Frame, HpackDecoder, HpackEncoder } from '@h2tubes/h2-frames';
import { NEVER } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerExchange } from '../src/tubes/exchange-types.js';
import { closeAll, nodeGet, rawPeer, startServer, until } from './helpers/loopback.js';

afterEach(closeAll);

/** A POST header block whose body is still to come (this peer's only HPACK context: fresh encoder). */
function post(streamId: number): EncodedFieldBlock {
  return {
    type: 'HEADER_BLOCK',
    kind: 'HEADERS',
    streamId,
    endStream: false,
    priority: undefined,
    promisedStreamId: 0,
    block: new HpackEncoder().encode([
      { name: ':method', value: 'POST' },
      { name: ':scheme', value: 'http' },
      { name: ':authority', value: 'x' },
      { name: ':path', value: '/upload' },
    ]),
  };
}

const data = (streamId: number, n: number): Frame => ({
  type: 'DATA',
  streamId,
  endStream: false,
  data: new Uint8Array(n),
  padLength: undefined,
});

/** The stream's frames from the server, HEADERS shown with their :status (the first block on the connection). */
function answer(frames: Frame[], streamId: number): string[] {
  const decoder = new HpackDecoder();
  return frames
    .filter((f) => f.streamId === streamId)
    .map((f) =>
      f.type === 'HEADERS' // small blocks: one frame, END_HEADERS
        ? `HEADERS :status ${decoder.decode(f.fragment).fields[0]?.value}${f.endStream ? ' ES' : ''}`
        : f.type === 'RST_STREAM'
          ? `RST_STREAM ${String(f.errorCode)}`
          : f.type,
    );
}

/** Serves `/other` with 200 "ok"; hands every other exchange to `held`. */
function serving(held: ServerExchange[]) {
  return (ex: ServerExchange): void => {
    if (ex.path === '/other') ex.respond(200, [], 'ok');
    else held.push(ex);
  };
}

describe('requestBodyTimeout on loopback', () => {
  it('a POST whose body stops after 3 octets: 408 with END_STREAM, RST_STREAM NO_ERROR, signal aborted, others served', async () => {
    const held: ServerExchange[] = [];
    const server = await startServer(serving(held), { requestBodyTimeoutMs: 200, minRequestBodyRate: 0 });
    const peer = await rawPeer(server.port);
    peer.send(post(1), data(1, 3));
    await until(() => held.length === 1);
    const ex = held[0]!;
    const chunks: number[] = [];
    let failure: unknown;
    ex.body.chunks.subscribe({ next: (c) => chunks.push(c.length), error: (e) => (failure = e) });
    await until(() => peer.frames.some((f) => f.type === 'RST_STREAM'));
    expect(answer(peer.frames, 1)).toEqual(['HEADERS :status 408 ES', 'RST_STREAM NO_ERROR']);
    expect(server.events).toContainEqual({ kind: 'limitExceeded', limit: 'requestBodyTimeout', streamId: 1 });
    expect(ex.signal.aborted).toBe(true);
    expect(chunks).toEqual([3]);
    expect(String(failure)).toMatch(/requestBodyTimeoutMs/);
    expect(peer.goaway()).toBeUndefined();
    expect(peer.isClosed()).toBe(false);
    await expect(nodeGet(server.port, '/other')).resolves.toEqual({ status: 200, body: 'ok' });
  });
});

describe("requestBodyTimeout on loopback: our backpressure is not the client's fault", () => {
  it('a window the application leaves full pauses the clock; once it reads late, a client that then stalls is answered', async () => {
    const held: ServerExchange[] = [];
    const server = await startServer(serving(held), {
      initialWindowSize: 100,
      maxReceiveWindowSize: 100,
      requestBodyTimeoutMs: 200,
      minRequestBodyRate: 0,
    });
    const peer = await rawPeer(server.port);
    // Our SETTINGS (a 100-octet stream window) acknowledged first, then the body fills the window.
    await until(() => peer.frames.some((f) => f.type === 'SETTINGS' && !f.ack));
    peer.send(post(1), data(1, 100));
    await until(() => held.length === 1);
    const ex = held[0]!;
    let received = 0;
    const puller = ex.body.pullConsuming({
      next: (c) => {
        received += c.length;
        puller.request();
      },
      complete: () => {},
      error: () => {},
    });
    puller.request();
    await until(() => received === 100);
    // The application does not read for longer than the timeout: the client cannot send, no answer.
    await new Promise((r) => setTimeout(r, 400));
    expect(peer.frames.filter((f) => f.type === 'RST_STREAM')).toEqual([]);
    // It reads: WINDOW_UPDATE, the clock runs again, the client sends nothing more.
    puller.consumed(100);
    await until(() => peer.frames.some((f) => f.type === 'RST_STREAM'));
    expect(answer(peer.frames, 1)).toEqual([
      'WINDOW_UPDATE',
      'HEADERS :status 408 ES',
      'RST_STREAM NO_ERROR',
    ]);
    expect(ex.signal.aborted).toBe(true);
  });
});

describe('minRequestBodyRate on loopback', () => {
  it('a body that crawls under a response already started: RST_STREAM CANCEL, no 408; others served', async () => {
    const held: ServerExchange[] = [];
    const server = await startServer(serving(held), {
      requestBodyTimeoutMs: 0,
      minRequestBodyRate: 100_000,
      minRequestBodyRateGraceMs: 200,
    });
    const peer = await rawPeer(server.port);
    peer.send(post(1));
    await until(() => held.length === 1);
    held[0]!.respond(200, [], NEVER); // headers out, a body that never comes
    await until(() => peer.frames.some((f) => f.type === 'HEADERS'));
    // One octet every 20 ms, far below the minimum, until the server gives up on the stream.
    const crawl = setInterval(() => peer.send(data(1, 1)), 20);
    try {
      await until(() => peer.frames.some((f) => f.type === 'RST_STREAM'));
    } finally {
      clearInterval(crawl);
    }
    expect(answer(peer.frames, 1)).toEqual(['HEADERS :status 200', 'RST_STREAM CANCEL']);
    expect(server.events).toContainEqual({ kind: 'limitExceeded', limit: 'minRequestBodyRate', streamId: 1 });
    expect(held[0]!.signal.aborted).toBe(true);
    expect(peer.goaway()).toBeUndefined();
    await expect(nodeGet(server.port, '/other')).resolves.toEqual({ status: 200, body: 'ok' });
  });
});

describe('request bodies exempt from the body timeouts', () => {
  /** A POST like `post()` with extra fields. */
  function postWith(streamId: number, fields: { name: string; value: string }[]): EncodedFieldBlock {
    return {
      ...post(streamId),
      block: new HpackEncoder().encode([
        { name: ':method', value: 'POST' },
        { name: ':scheme', value: 'http' },
        { name: ':authority', value: 'x' },
        { name: ':path', value: '/stream' },
        ...fields,
      ]),
    };
  }

  it('a gRPC call (content-type application/grpc) and an exchange that asked for it idle past the timeout; a plain POST does not', async () => {
    const held: ServerExchange[] = [];
    const server = await startServer(
      (ex) => {
        if (ex.fields.some((f) => f.name === 'x-exempt')) ex.exemptBodyTimeouts();
        held.push(ex);
      },
      { requestBodyTimeoutMs: 200, minRequestBodyRate: 0 },
    );
    const grpc = await rawPeer(server.port);
    grpc.send(postWith(1, [{ name: 'content-type', value: 'application/grpc+proto' }]));
    const asked = await rawPeer(server.port);
    asked.send(postWith(1, [{ name: 'x-exempt', value: '1' }]));
    const plain = await rawPeer(server.port);
    plain.send(post(1));
    await until(() => plain.frames.some((f) => f.type === 'RST_STREAM'));
    // The plain POST was answered after 200 ms; the other two, idle as long, were not.
    await new Promise((r) => setTimeout(r, 300));
    expect(answer(plain.frames, 1)).toEqual(['HEADERS :status 408 ES', 'RST_STREAM NO_ERROR']);
    expect(answer(grpc.frames, 1)).toEqual([]);
    expect(answer(asked.frames, 1)).toEqual([]);
    expect(held.filter((ex) => ex.signal.aborted)).toHaveLength(1);
  });
});
