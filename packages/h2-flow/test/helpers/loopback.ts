/**
 * Live-connection test fixtures: a server built from `serverConnection` on a loopback port, a raw
 * peer that speaks exact frames (h2-frames' encoder and parser, no HTTP/2 stack of ours in between)
 * and a `node:http2` client, the independent peer used to show that other connections are served.
 */
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import {
  CONNECTION_PREFACE,
  type EncodedFieldBlock,
  encodeFrames,
  type Frame,
  FrameSplitter,
  type HeaderField,
  HpackDecoder,
  HpackEncoder,
  parseFrame,
} from '@h2tubes/h2-frames';
import type { ConnectionEvent, ServerConnectionOptions } from '../../src/index.js';
import { serverConnection } from '../../src/index.js';
import type { ServerExchange } from '../../src/tubes/exchange-types.js';

/** Everything a fixture opened; `closeAll()` in `afterEach` releases it. */
const closers: Array<() => void> = [];

export function closeAll(): void {
  for (const c of closers.splice(0)) c();
}

export function onClose(c: () => void): void {
  closers.push(c);
}

/** Polls until `pred` holds (at most ~10 s, generous for loaded machines): the wire is asynchronous, assertions come after. */
export async function until(pred: () => boolean, ms = 10_000): Promise<void> {
  for (let waited = 0; waited < ms && !pred(); waited += 10) await new Promise((r) => setTimeout(r, 10));
}

export interface LoopbackServer {
  readonly port: number;
  /** Every core event of every connection, in order (limitExceeded, streamReset, ...). */
  readonly events: ConnectionEvent[];
  /** Connections whose Observable errored or completed, i.e. that ended. */
  readonly ended: () => number;
}

/** A TCP server that runs `serverConnection` on each accepted socket. */
export async function startServer(
  onExchange: (ex: ServerExchange) => void,
  options: ServerConnectionOptions = {},
): Promise<LoopbackServer> {
  const sockets = new Set<net.Socket>();
  const events: ConnectionEvent[] = [];
  let ended = 0;
  const srv = net.createServer((socket) => {
    sockets.add(socket);
    serverConnection(socket, {
      ...options,
      onEvent: (e) => {
        events.push(e);
        options.onEvent?.(e);
      },
    }).subscribe({
      next: onExchange,
      error: () => ended++,
      complete: () => ended++,
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  closers.push(() => {
    for (const s of sockets) s.destroy();
    srv.close();
  });
  return { port: (srv.address() as AddressInfo).port, events, ended: () => ended };
}

export interface RawPeer {
  readonly socket: net.Socket;
  /** Every frame the server sent, parsed. */
  readonly frames: Frame[];
  send(...fs: (Frame | EncodedFieldBlock)[]): void;
  /** A GET request's header block (HPACK-encoded with this peer's encoder). */
  request(streamId: number, path: string, endStream?: boolean): EncodedFieldBlock;
  isClosed(): boolean;
  /** The first GOAWAY the server sent, once one arrived. */
  goaway(): (Frame & { type: 'GOAWAY' }) | undefined;
}

/**
 * A raw client socket. By default it writes the preface and an empty SETTINGS and ACKs the
 * server's SETTINGS like any peer; `preface: false` writes nothing, `ackSettings: false` never
 * acknowledges, `allowHalfOpen: true` keeps its write side open after the server ends its own
 * (a peer that does not close).
 */
export async function rawPeer(
  port: number,
  {
    preface = true,
    ackSettings = preface,
    allowHalfOpen = false,
  }: { preface?: boolean; ackSettings?: boolean; allowHalfOpen?: boolean } = {},
): Promise<RawPeer> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen });
  await new Promise((r) => socket.once('connect', r));
  const frames: Frame[] = [];
  const splitter = new FrameSplitter();
  let closed = false;
  const encoder = new HpackEncoder();
  const send = (...fs: (Frame | EncodedFieldBlock)[]): void => {
    if (!socket.destroyed) socket.write(encodeFrames(fs));
  };
  socket.on('data', (c: Buffer) =>
    splitter.push(c, (raw) => {
      const f = parseFrame(raw);
      frames.push(f);
      if (ackSettings && f.type === 'SETTINGS' && !f.ack)
        send({ type: 'SETTINGS', streamId: 0, ack: true, settings: [] });
    }),
  );
  socket.on('close', () => {
    closed = true;
  });
  socket.on('error', () => {});
  if (preface) {
    socket.write(CONNECTION_PREFACE);
    send({ type: 'SETTINGS', streamId: 0, ack: false, settings: [] });
  }
  closers.push(() => socket.destroy());
  return {
    socket,
    frames,
    send,
    isClosed: () => closed,
    goaway: () => frames.find((f) => f.type === 'GOAWAY') as (Frame & { type: 'GOAWAY' }) | undefined,
    request: (streamId, path, endStream = true) => ({
      type: 'HEADER_BLOCK',
      kind: 'HEADERS',
      streamId,
      endStream,
      priority: undefined,
      promisedStreamId: 0,
      block: encoder.encode([
        { name: ':method', value: 'GET' },
        { name: ':scheme', value: 'http' },
        { name: ':authority', value: 'x' },
        { name: ':path', value: path },
      ]),
    }),
  };
}

/** One GET over a fresh `node:http2` connection: the status and body a real client saw. */
export async function nodeGet(port: number, path = '/'): Promise<{ status: number; body: string }> {
  const client = http2.connect(`http://127.0.0.1:${port}`);
  closers.push(() => client.destroy());
  client.on('error', () => {});
  try {
    return await new Promise((resolve, reject) => {
      const req = client.request({ ':path': path });
      let status = 0;
      let body = '';
      req.setEncoding('utf8');
      req.on('response', (h) => {
        status = Number(h[':status']);
      });
      req.on('data', (c: string) => {
        body += c;
      });
      req.on('end', () => resolve({ status, body }));
      req.on('error', reject);
    });
  } finally {
    client.close();
  }
}

export interface RawServerPeer {
  readonly socket: net.Socket;
  /** Every frame the client sent, parsed (after the preface). */
  readonly frames: Frame[];
  /** Each stream's header sections as decoded, in order (request headers, then trailers). */
  readonly heads: Map<number, HeaderField[][]>;
  send(...fs: (Frame | EncodedFieldBlock)[]): void;
  /** A response (or trailers, with no `:status`) header block, HPACK-encoded by this peer. */
  headers(streamId: number, fields: HeaderField[], endStream: boolean): EncodedFieldBlock;
}

/**
 * A raw HTTP/2 server for testing our client role: it checks the preface, sends its SETTINGS
 * (`settings`), ACKs the client's, decodes the client's header blocks (they must be decoded in
 * order, RFC 7541 context) and leaves every other answer to the test.
 */
export async function rawServer(
  settings: { id: number; value: number }[] = [],
): Promise<{ port: number; nextPeer(): Promise<RawServerPeer> }> {
  const waiting: Array<(p: RawServerPeer) => void> = [];
  const ready: RawServerPeer[] = [];
  const srv = net.createServer((socket) => {
    socket.on('error', () => {});
    const frames: Frame[] = [];
    const heads = new Map<number, HeaderField[][]>();
    const splitter = new FrameSplitter({ expectPreface: true });
    const decoder = new HpackDecoder();
    const encoder = new HpackEncoder();
    const send = (...fs: (Frame | EncodedFieldBlock)[]): void => {
      if (!socket.destroyed) socket.write(encodeFrames(fs));
    };
    socket.on('data', (c: Buffer) =>
      splitter.push(c, (raw) => {
        const f = parseFrame(raw);
        frames.push(f);
        if (f.type === 'SETTINGS' && !f.ack) send({ type: 'SETTINGS', streamId: 0, ack: true, settings: [] });
        if (f.type === 'HEADERS') {
          const list = heads.get(f.streamId) ?? [];
          list.push(decoder.decode(f.fragment).fields);
          heads.set(f.streamId, list);
        }
      }),
    );
    send({ type: 'SETTINGS', streamId: 0, ack: false, settings });
    const peer: RawServerPeer = {
      socket,
      frames,
      heads,
      send,
      headers: (streamId, fields, endStream) => ({
        type: 'HEADER_BLOCK',
        kind: 'HEADERS',
        streamId,
        endStream,
        priority: undefined,
        promisedStreamId: 0,
        block: encoder.encode(fields),
      }),
    };
    const w = waiting.shift();
    if (w === undefined) ready.push(peer);
    else w(peer);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  closers.push(() => srv.close());
  return {
    port: (srv.address() as AddressInfo).port,
    nextPeer: () => {
      const p = ready.shift();
      return p !== undefined ? Promise.resolve(p) : new Promise((r) => waiting.push(r));
    },
  };
}
