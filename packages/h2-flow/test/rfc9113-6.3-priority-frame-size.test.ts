import { H2ProtocolError, parseFrame } from '@h2tubes/h2-frames';
import { afterEach, describe, expect, it } from 'vitest';
import { startCoreServer } from './helpers/core-server.js';
import { frames, Harness, status, summary } from './helpers/frames.js';
import { closeAll, rawPeer, startServer, until } from './helpers/loopback.js';

afterEach(closeAll);

/** A PRIORITY frame whose payload is `length` octets (5 is the only valid length). */
function badPriority(streamId: number, length: number): Uint8Array {
  const b = new Uint8Array(9 + length);
  b[2] = length;
  b[3] = 0x2; // PRIORITY
  new DataView(b.buffer).setUint32(5, streamId);
  return b;
}

/** What h2-frames' parser throws for that frame: a stream error, handed to `receiveFrameError`. */
function parserError(streamId: number, length: number): H2ProtocolError {
  try {
    parseFrame(badPriority(streamId, length));
  } catch (e) {
    if (H2ProtocolError.is(e)) return e;
  }
  throw new Error('the parser accepted a PRIORITY frame of the wrong length');
}

describe('RFC 9113 §6.3: a PRIORITY frame whose length is not 5 is a stream error FRAME_SIZE_ERROR in any state', () => {
  it('the parser reports it as a stream error', () => {
    const e = parserError(3, 4);
    expect([e.scope, e.code, e.streamId]).toEqual(['stream', 'FRAME_SIZE_ERROR', 3]);
  });

  it('open, closed and idle streams all get RST_STREAM FRAME_SIZE_ERROR; the connection goes on', () => {
    const h = Harness.ready({ role: 'server' });
    h.send(frames.headers(1).request('POST', '/'));
    h.conn.receiveFrameError(parserError(1, 4), 0); // open
    h.send(frames.headers(3).request('GET', '/').endStream());
    h.conn.respond(3, status(204), { endStream: true });
    h.take();
    h.conn.receiveFrameError(parserError(3, 6), 0); // closed
    h.conn.receiveFrameError(parserError(9, 0), 0); // idle
    expect(summary(h.take())).toEqual(['RST_STREAM 3 FRAME_SIZE_ERROR', 'RST_STREAM 9 FRAME_SIZE_ERROR']);
    expect(h.eventsOf('streamReset').map((e) => [e.streamId, e.code])).toEqual([[1, 'FRAME_SIZE_ERROR']]);
    expect(h.conn.isClosed).toBe(false);
  });

  it('a connection-scope decoder error ends the connection with GOAWAY', () => {
    const h = Harness.ready({ role: 'server' });
    h.conn.receiveFrameError(new H2ProtocolError('FRAME_SIZE_ERROR', 'connection', 'PING of 7 octets'), 0);
    expect(h.goaway()?.errorCode).toBe('FRAME_SIZE_ERROR');
    expect(h.conn.isClosed).toBe(true);
  });

  it.each([
    ['driven by the core alone', () => startCoreServer()],
    ['of the tube layer', () => startServer((ex) => ex.respond(204, []))],
  ])(
    'on a loopback server %s: raw PRIORITY frames of 4 and 6 octets on idle, closed and open streams',
    async (_, start) => {
      const server = await start();
      const peer = await rawPeer(server.port);
      await until(() => peer.frames.some((f) => f.type === 'SETTINGS' && f.ack));
      peer.send(peer.request(1, '/closed')); // answered 204 with END_STREAM: closed
      await until(() => peer.frames.some((f) => f.type === 'HEADERS' && f.streamId === 1));
      peer.send(peer.request(3, '/open', false)); // the request body never comes: open
      await until(() => server.events.some((e) => e.kind === 'requestReceived' && e.streamId === 3));
      peer.socket.write(badPriority(7, 4)); // idle
      peer.socket.write(badPriority(1, 4));
      peer.socket.write(badPriority(3, 6));
      const resets = () => peer.frames.filter((f) => f.type === 'RST_STREAM');
      await until(() => resets().length >= 3);
      expect(resets().map((f) => [f.streamId, f.errorCode])).toEqual([
        [7, 'FRAME_SIZE_ERROR'],
        [1, 'FRAME_SIZE_ERROR'],
        [3, 'FRAME_SIZE_ERROR'],
      ]);
      // A stream error, not a connection error: the connection still serves.
      peer.send(peer.request(9, '/after'));
      await until(() => peer.frames.some((f) => f.type === 'HEADERS' && f.streamId === 9));
      expect(peer.frames.some((f) => f.type === 'HEADERS' && f.streamId === 9)).toBe(true);
      expect(peer.goaway()).toBeUndefined();
    },
  );
});
