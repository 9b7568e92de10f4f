/**
 * RFC 9113 §5.4.1: on a connection error an endpoint sends GOAWAY, then closes. The close must
 * let the GOAWAY arrive: a flooding peer that is still writing when we stop would otherwise get a
 * TCP RST (which purges its receive queue) and see only EPIPE or ECONNRESET, never learning why.
 * Raw-socket flood clients against `serve()` write their whole flood, then read: each must read
 * GOAWAY ENHANCE_YOUR_CALM.
 */
import net from 'node:net';
import {
  CONNECTION_PREFACE,
  type EncodedFieldBlock,
  encodeFrames,
  type Frame,
  FrameSplitter,
  HpackEncoder,
  parseFrame,
} from '@h2tubes/h2-frames';
import { afterEach, describe, expect, it } from 'vitest';
import { type Server, serve } from '../src/index.js';

let server: Server | undefined;
afterEach(async () => {
  await server?.close(0);
  server = undefined;
});

interface FloodOutcome {
  readonly frames: Frame[];
  /** The socket error the client saw, if any (after or instead of reading). */
  readonly error: string | undefined;
}

/** Writes the preface, an empty SETTINGS and `flood` in one write, then reads until the server closes. */
async function flood(port: number, frames: (Frame | EncodedFieldBlock)[]): Promise<FloodOutcome> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const received: Frame[] = [];
  const splitter = new FrameSplitter();
  let error: string | undefined;
  socket.on('data', (c: Buffer) => splitter.push(c, (raw) => received.push(parseFrame(raw))));
  socket.on('error', (e: NodeJS.ErrnoException) => {
    error = e.code;
  });
  socket.write(
    Buffer.concat([
      CONNECTION_PREFACE,
      encodeFrames([{ type: 'SETTINGS', streamId: 0, ack: false, settings: [] }, ...frames]),
    ]),
  );
  await new Promise((r) => socket.once('close', r));
  return { frames: received, error };
}

const goawayOf = (o: FloodOutcome) => o.frames.find((f) => f.type === 'GOAWAY') as Frame & { type: 'GOAWAY' };

describe('RFC 9113 §5.4.1: the GOAWAY reaches a flooding peer before the connection closes', () => {
  it('a PING flood (30 000 in one write, over the 10 000 queued control answers)', async () => {
    server = await serve(() => new Response('ok'));
    const pings: Frame[] = Array.from({ length: 30_000 }, () => ({
      type: 'PING',
      streamId: 0,
      ack: false,
      opaqueData: new Uint8Array(8),
    }));
    const outcome = await flood(server.port, pings);
    expect(goawayOf(outcome)?.errorCode).toBe('ENHANCE_YOUR_CALM');
  });

  it('a SETTINGS flood (30 000 in one write)', async () => {
    server = await serve(() => new Response('ok'));
    const settings: Frame[] = Array.from({ length: 30_000 }, () => ({
      type: 'SETTINGS',
      streamId: 0,
      ack: false,
      settings: [],
    }));
    const outcome = await flood(server.port, settings);
    expect(goawayOf(outcome)?.errorCode).toBe('ENHANCE_YOUR_CALM');
  });

  it('a rapid-reset flood (2 000 streams opened and reset, over the burst of 1 000)', async () => {
    server = await serve(() => new Response('ok'));
    const hpack = new HpackEncoder();
    const frames: (Frame | EncodedFieldBlock)[] = [];
    for (let i = 0; i < 2000; i++) {
      const streamId = 2 * i + 1;
      frames.push(
        {
          type: 'HEADER_BLOCK',
          kind: 'HEADERS',
          streamId,
          endStream: false,
          priority: undefined,
          promisedStreamId: 0,
          block: hpack.encode([
            { name: ':method', value: 'POST' },
            { name: ':scheme', value: 'http' },
            { name: ':authority', value: 'x' },
            { name: ':path', value: '/' },
          ]),
        },
        { type: 'RST_STREAM', streamId, errorCode: 'CANCEL' },
      );
    }
    const outcome = await flood(server.port, frames);
    expect(goawayOf(outcome)?.errorCode).toBe('ENHANCE_YOUR_CALM');
  });
});
