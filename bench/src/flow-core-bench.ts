/**
 * h2-flow core alone (no codec, no sockets): decoded frames in, frames and events out.
 * 1. A scripted client's frames for N small GETs fed to a server Connection, each answered with
 *    respond + a 13-octet body: exchanges per second on one core.
 * 2. One stream's 256 MiB of DATA through the receive path with credit returned as consumed: bytes/s.
 */

import { Connection } from '@h2tubes/h2-flow';
import type { DecodedFrame, HeaderField } from '@h2tubes/h2-frames';

const REQUEST: HeaderField[] = [
  { name: ':method', value: 'GET' },
  { name: ':scheme', value: 'https' },
  { name: ':authority', value: 'bench.local' },
  { name: ':path', value: '/' },
];
const RESPONSE: HeaderField[] = [
  { name: ':status', value: '200' },
  { name: 'content-type', value: 'text/plain' },
];
const BODY = new TextEncoder().encode('hello, world!');
const PEER_SETTINGS: DecodedFrame = { type: 'SETTINGS', streamId: 0, ack: false, settings: [] };
const SETTINGS_ACK: DecodedFrame = { type: 'SETTINGS', streamId: 0, ack: true, settings: [] };

function headers(streamId: number, endStream: boolean): DecodedFrame {
  return {
    type: 'FIELD_BLOCK',
    kind: 'HEADERS',
    streamId,
    endStream,
    priority: undefined,
    promisedStreamId: 0,
    fields: REQUEST,
    oversized: false,
  };
}

function smallGets(n: number): number {
  let written = 0;
  let answered = 0;
  const server: Connection = new Connection(
    { role: 'server', idleTimeoutMs: 0 },
    {
      frame: () => {
        written++;
      },
      event: (e) => {
        if (e.kind === 'requestReceived') {
          server.respond(e.streamId, RESPONSE);
          server.sendData(e.streamId, BODY, true);
          answered++;
        }
      },
    },
  );
  // The scripted client's frames, built before the clock starts.
  const script: DecodedFrame[] = [PEER_SETTINGS, SETTINGS_ACK];
  for (let i = 0; i < n; i++) {
    script.push(headers(2 * i + 1, true));
    // The client returns connection credit every 1000 responses, as a real one would.
    if (i % 1000 === 999)
      script.push({ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: 1000 * BODY.length });
  }
  const t0 = performance.now();
  server.start(0);
  for (let i = 0; i < script.length; i++) {
    server.receive(script[i]!, 0);
    if (i % 64 === 0) {
      server.flush(1 << 20);
      server.flushed();
    }
  }
  server.flush(1 << 20);
  const ms = performance.now() - t0;
  if (answered !== n || server.isClosed)
    throw new Error(`bench broken: ${answered}/${n} answered, ${written} frames`);
  return (n / ms) * 1000;
}

function bulkReceive(total: number, frameSize: number): number {
  const server = new Connection(
    { role: 'server', idleTimeoutMs: 0, initialWindowSize: 1 << 20, connectionWindowSize: 1 << 22 },
    { frame: () => {}, event: () => {} },
  );
  server.start(0);
  server.receive(PEER_SETTINGS, 0);
  server.receive(SETTINGS_ACK, 0);
  server.receive(
    {
      ...(headers(1, false) as object),
      fields: [...REQUEST.slice(0, 3), { name: ':path', value: '/upload' }],
    } as unknown as DecodedFrame,
    0,
  );
  const payload = new Uint8Array(frameSize);
  const frame: DecodedFrame = {
    type: 'DATA',
    streamId: 1,
    endStream: false,
    data: payload,
    padLength: undefined,
  };
  const frames = total / frameSize;
  const t0 = performance.now();
  for (let i = 0; i < frames; i++) {
    server.receive(frame, i);
    server.consume(1, frameSize);
  }
  const ms = performance.now() - t0;
  if (server.isClosed) throw new Error('bench broken: connection closed');
  return (total / ms) * 1000;
}

export async function run(): Promise<void> {
  const n = 200_000;
  smallGets(20_000); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < 3; r++) rates.push(smallGets(n));
  console.log(
    `flow-core: ${n} small GET exchanges → ${Math.round(Math.max(...rates)).toLocaleString('en-US')} exchanges/s (best of 3; ${rates.map((x) => Math.round(x)).join(', ')})`,
  );
  const total = 256 * 1024 * 1024;
  bulkReceive(total / 8, 16_384);
  const bps = bulkReceive(total, 16_384);
  console.log(
    `flow-core: 256 MiB DATA (16 KiB frames) through the receive path → ${(bps / 1e9).toFixed(2)} GB/s (${Math.round(bps / 16_384).toLocaleString('en-US')} frames/s)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
