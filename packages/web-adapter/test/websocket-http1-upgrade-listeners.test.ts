import type * as http from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { handleUpgrade } from '../src/websocket/http1-upgrade.js';

/** An upgrade request as node:http hands it to its 'upgrade' listeners. */
function upgradeRequest(): http.IncomingMessage {
  return {
    rawHeaders: ['host', 'localhost', 'upgrade', 'websocket', 'connection', 'Upgrade'],
    headers: { host: 'localhost' },
    url: '/',
    method: 'GET',
  } as unknown as http.IncomingMessage;
}

describe('handleUpgrade on a socket of any node:http server', () => {
  it('keeps an error on a socket nobody listens to from crashing the process', () => {
    const socket = new PassThrough();
    handleUpgrade(() => {}, upgradeRequest(), socket, Buffer.alloc(0));
    expect(socket.listenerCount('error')).toBe(1);
    expect(() => socket.emit('error', new Error('ECONNRESET'))).not.toThrow();
  });

  it('adds no listener of its own where one already handles errors (serve() sockets have one)', () => {
    const socket = new PassThrough();
    const seen: unknown[] = [];
    socket.on('error', (e) => seen.push(e));
    handleUpgrade(() => {}, upgradeRequest(), socket, Buffer.alloc(0));
    expect(socket.listenerCount('error')).toBe(1);
    socket.emit('error', new Error('ECONNRESET'));
    expect(seen).toHaveLength(1);
  });
});
