import * as http2 from 'node:http2';
import { Opcode } from '@h2tubes/websocket/core';
import { afterEach, describe, expect, it } from 'vitest';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';
import {
  FRAGMENT_SIZE,
  FRAGMENTS_OVER_LIMIT,
  invalidUtf8Text,
  oversizedPing,
  unmaskedText,
} from './websocket-bad-client-frames.js';
import { echoHandler, type ServerClose } from './websocket-echo-handler.js';
import { type H2WebSocket, openH2WebSocket } from './websocket-h2-client.js';

let server: Server | undefined;
const sessions: http2.ClientHttp2Session[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) s.destroy();
  await server?.close(100);
  server = undefined;
});

function connect(port: number): http2.ClientHttp2Session {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  sessions.push(session);
  return session;
}

async function echo(ws: H2WebSocket, text: string): Promise<string> {
  const before = ws.messages.length;
  ws.endpoint.send(text);
  await expect.poll(() => ws.messages.length).toBe(before + 1);
  return ws.messages[before] as string;
}

/**
 * Opens a bystander and a victim as two streams of one HTTP/2 connection, has `misbehave` send
 * the victim's bad input, and checks the failure (RFC 6455 §7.1.7 over RFC 8441): the client
 * receives a Close frame with `code` on the stream and the stream ends, the handler's socket closes
 * with `code` (not cleanly), and the connection, its other stream and the server go on.
 */
async function expectFailure(code: number, misbehave: (ws: H2WebSocket) => void): Promise<void> {
  const closes: ServerClose[] = [];
  server = await serve(echoHandler(closes));
  const session = connect(server.port);
  const bystander = await openH2WebSocket(server.port, '/echo', session);
  const ws = await openH2WebSocket(server.port, '/echo', session);
  const streamEnded = new Promise<void>((resolve) => ws.stream.once('end', resolve));
  misbehave(ws);
  expect(await ws.closed).toMatchObject({ code });
  await streamEnded; // RFC 8441 §5: END_STREAM after the Close frame
  await expect.poll(() => closes).toEqual([expect.objectContaining({ code, wasClean: false })]);
  expect(await echo(bystander, 'still here ✓')).toBe('still here ✓');
  expect(session.closed || session.destroyed).toBe(false);
  const fresh = await openH2WebSocket(server.port, '/echo', connect(server.port));
  expect(await echo(fresh, 'a new one')).toBe('a new one');
  expect(closes).toHaveLength(1);
}

// The same four failures as over HTTP/1.1, on an extended CONNECT stream (RFC 8441 §4, node:http2
// client with the codec's client side): the close code travels in a Close frame in the stream's
// DATA, and only that stream ends.
describe('close codes for bad client input, node:http2 client over extended CONNECT', () => {
  it('a Text message that is not UTF-8 → 1007 (§8.1)', async () => {
    await expectFailure(1007, (ws) => ws.stream.write(invalidUtf8Text()));
  });

  it('an unmasked client frame → 1002 (§5.1)', async () => {
    await expectFailure(1002, (ws) => ws.stream.write(unmaskedText()));
  });

  it('a message over maxMessageSize (16 MiB by default, in 1 MiB fragments) → 1009 (§7.4.1)', async () => {
    await expectFailure(1009, (ws) => {
      const fragment = new Uint8Array(FRAGMENT_SIZE).fill(0x61);
      for (let i = 0; i < FRAGMENTS_OVER_LIMIT; i++)
        ws.endpoint.sendFragment(i === 0 ? Opcode.Binary : 0, fragment, i === FRAGMENTS_OVER_LIMIT - 1);
    });
  });

  it('a Ping with a 126-byte payload → 1002 (§5.5: control frames carry at most 125)', async () => {
    await expectFailure(1002, (ws) => ws.stream.write(oversizedPing()));
  });
});

// A WebSocket whose HTTP/2 stream goes away without a close handshake: RFC 6455 §7.1.5, the
// connection closed abnormally (1006, not clean), and the rest of the connection goes on.
describe('an extended CONNECT stream that goes away without a Close frame', () => {
  it('a client RST_STREAM (CANCEL) closes only that socket, 1006, not clean', async () => {
    const closes: ServerClose[] = [];
    server = await serve(echoHandler(closes));
    const session = connect(server.port);
    const bystander = await openH2WebSocket(server.port, '/echo', session);
    const ws = await openH2WebSocket(server.port, '/echo', session);
    expect(await echo(ws, 'before')).toBe('before');
    ws.stream.close(http2.constants.NGHTTP2_CANCEL);
    await expect.poll(() => closes).toEqual([expect.objectContaining({ code: 1006, wasClean: false })]);
    expect(await echo(bystander, 'still here')).toBe('still here');
  });

  it('the client connection lost closes every socket on it, 1006, not clean', async () => {
    const closes: ServerClose[] = [];
    server = await serve(echoHandler(closes));
    const session = connect(server.port);
    const a = await openH2WebSocket(server.port, '/echo', session);
    const b = await openH2WebSocket(server.port, '/echo', session);
    expect(await echo(a, 'a')).toBe('a');
    expect(await echo(b, 'b')).toBe('b');
    session.destroy();
    const abnormal = expect.objectContaining({ code: 1006, wasClean: false });
    await expect.poll(() => closes).toEqual([abnormal, abnormal]);
  });
});
