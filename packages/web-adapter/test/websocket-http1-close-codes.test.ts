import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';
import {
  FRAGMENT_SIZE,
  FRAGMENTS_OVER_LIMIT,
  oversizedPing,
  unmaskedText,
} from './websocket-bad-client-frames.js';
import { echoHandler, type ServerClose } from './websocket-echo-handler.js';

let server: Server | undefined;
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await server?.close(100);
  server = undefined;
});

function open(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/echo`);
    clients.push(ws);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** The code and reason of the Close frame the client received (1006: the connection dropped without one). */
function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  ws.on('error', () => {}); // a write racing the server's close may fail: the close event tells
  return new Promise((resolve) =>
    ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
  );
}

function echo(ws: WebSocket, text: string): Promise<string> {
  return new Promise((resolve) => {
    ws.once('message', (data: Buffer) => resolve(data.toString('utf8')));
    ws.send(text);
  });
}

/** The ws client's TCP socket, to write frames it would never produce itself. */
function socketOf(ws: WebSocket): Socket {
  return (ws as unknown as { _socket: Socket })._socket;
}

/**
 * Opens a bystander and a victim on the echo handler, has `misbehave` send the victim's bad
 * input, and checks the failure (RFC 6455 §7.1.7): the client receives a Close frame with `code`
 * and its connection ends, the handler's socket closes with `code` (not cleanly: the server
 * failed it), and the server and its other sockets go on.
 */
async function expectFailure(code: number, misbehave: (ws: WebSocket) => void): Promise<void> {
  const closes: ServerClose[] = [];
  server = await serve(echoHandler(closes));
  const bystander = await open(server.port);
  const ws = await open(server.port);
  const clientSaw = closeOf(ws);
  misbehave(ws);
  expect((await clientSaw).code).toBe(code);
  expect(socketOf(ws).destroyed).toBe(true);
  await expect.poll(() => closes).toEqual([expect.objectContaining({ code, wasClean: false })]);
  expect(await echo(bystander, 'still here ✓')).toBe('still here ✓');
  expect(await echo(await open(server.port), 'a new one')).toBe('a new one');
  expect(closes).toHaveLength(1);
}

// RFC 6455 §7.4.1: the status code a server sends when it fails a connection says why. The ws
// client over an HTTP/1.1 Upgrade; what its API refuses to send is written to its socket raw.
describe('close codes for bad client input, ws client over HTTP/1.1', () => {
  it('a Text message that is not UTF-8 → 1007 (§8.1)', async () => {
    // ws sends a Buffer as Text without checking it.
    await expectFailure(1007, (ws) => ws.send(Buffer.from([0x68, 0x69, 0xff]), { binary: false }));
  });

  it('an unmasked client frame → 1002 (§5.1)', async () => {
    await expectFailure(1002, (ws) => socketOf(ws).write(unmaskedText()));
  });

  it('a message over maxMessageSize (16 MiB by default, in 1 MiB fragments) → 1009 (§7.4.1)', async () => {
    await expectFailure(1009, (ws) => {
      const fragment = Buffer.alloc(FRAGMENT_SIZE, 0x61);
      for (let i = 0; i < FRAGMENTS_OVER_LIMIT; i++)
        ws.send(fragment, { binary: true, fin: i === FRAGMENTS_OVER_LIMIT - 1 });
    });
  });

  it('a Ping with a 126-byte payload → 1002 (§5.5: control frames carry at most 125)', async () => {
    // ws.ping() refuses such a payload (RangeError), so the frame goes out raw.
    await expectFailure(1002, (ws) => socketOf(ws).write(oversizedPing()));
  });
});
