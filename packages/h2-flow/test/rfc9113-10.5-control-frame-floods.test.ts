import { encodeFrames, type Frame } from '@h2tubes/h2-frames';
import { afterEach, describe, expect, it } from 'vitest';
import { startCoreServer } from './helpers/core-server.js';
import { frames, Harness } from './helpers/frames.js';
import { closeAll, rawPeer, startServer, until } from './helpers/loopback.js';

afterEach(closeAll);

const BOUND = 10_000; // maxQueuedControlFrames' default
/** PINGs in one 64 KiB read: what an I/O layer hands over between two flushes. */
const PINGS_PER_READ = Math.floor(65_536 / 17);
/**
 * On a socket, `now` moves while the flood is read and the bucket refills a tenth of the bound per
 * second: a little over the bound gets ACKed (about 10 100 here), nowhere near the 200 000 sent.
 */
const ACKS_AT_MOST = 2 * BOUND;

function pingAcks(h: Harness): number {
  return h.take().filter((f) => f.type === 'PING' && f.ack).length;
}

describe('RFC 9113 §10.5: control-frame floods are cut per frame (CVE-2019-9512, CVE-2019-9515)', () => {
  it('200 000 PINGs without a flush: GOAWAY ENHANCE_YOUR_CALM after the bound, no more ACKs', () => {
    const h = Harness.ready({ role: 'server' });
    h.conn.flushed(); // the handshake's SETTINGS ACK went out
    for (let i = 0; i < 200_000; i++) h.send(frames.ping());
    const written = h.take();
    expect(written.filter((f) => f.type === 'PING').length).toBeLessThanOrEqual(BOUND + 1);
    expect(written.at(-1)).toMatchObject({ type: 'GOAWAY', errorCode: 'ENHANCE_YOUR_CALM' });
    expect(h.eventsOf('limitExceeded').map((e) => e.limit)).toEqual(['queuedControlFrames']);
    h.send(frames.ping(), frames.settings());
    expect(h.take()).toEqual([]);
  });

  it('200 000 PINGs flushed after every read, as an I/O layer does: cut after the bound all the same', () => {
    const h = Harness.ready({ role: 'server' });
    let acks = 0;
    for (let i = 0; i < 200_000 && !h.conn.isClosed; i++) {
      h.send(frames.ping());
      if (i % PINGS_PER_READ === PINGS_PER_READ - 1) {
        acks += pingAcks(h);
        h.conn.flushed();
      }
    }
    const rest = h.take();
    acks += rest.filter((f) => f.type === 'PING').length;
    expect(acks).toBeLessThanOrEqual(BOUND);
    expect(h.goaway(rest)?.errorCode).toBe('ENHANCE_YOUR_CALM');
  });

  it('a SETTINGS flood flushed after every read is cut the same way', () => {
    const h = Harness.ready({ role: 'server' });
    let acks = 0;
    for (let i = 0; i < 50_000 && !h.conn.isClosed; i++) {
      h.send(frames.settings());
      if (i % 7000 === 6999) {
        acks += h.take().filter((f) => f.type === 'SETTINGS' && f.ack).length;
        h.conn.flushed();
      }
    }
    const rest = h.take();
    acks += rest.filter((f) => f.type === 'SETTINGS').length;
    expect(acks).toBeLessThanOrEqual(BOUND);
    expect(h.goaway(rest)?.errorCode).toBe('ENHANCE_YOUR_CALM');
  });

  it('a slow peer that never reads: the unflushed answers alone reach the bound', () => {
    const h = Harness.ready({ role: 'server' });
    for (let i = 0; i < BOUND + 10 && !h.conn.isClosed; i++) {
      h.now = i * 1000; // one PING a second: the burst allowance is always full
      h.send(frames.ping());
    }
    const written = h.take();
    expect(written.filter((f) => f.type === 'PING').length).toBe(BOUND - 1); // + the SETTINGS ACK
    expect(h.goaway(written)?.errorCode).toBe('ENHANCE_YOUR_CALM');
  });

  it('a peer that PINGs often but not in floods is never cut: 100 a second for ten minutes', () => {
    const h = Harness.ready({ role: 'server' });
    for (let ms = 0; ms < 600_000; ms += 10) {
      h.now = ms;
      h.send(frames.ping());
      h.conn.flushed();
    }
    expect(h.conn.isClosed).toBe(false);
    expect(h.eventsOf('limitExceeded')).toEqual([]);
  });

  describe('on loopback: a raw peer writes 200 000 PINGs in one write and reads GOAWAY ENHANCE_YOUR_CALM', () => {
    const flood = async (port: number) => {
      const peer = await rawPeer(port);
      await until(() => peer.frames.some((f) => f.type === 'SETTINGS' && f.ack));
      const one = encodeFrames([
        { type: 'PING', streamId: 0, ack: false, opaqueData: new Uint8Array(8) } as Frame,
      ]);
      const all = new Uint8Array(one.length * 200_000);
      for (let i = 0; i < 200_000; i++) all.set(one, i * one.length);
      peer.socket.write(all);
      await until(() => peer.goaway() !== undefined || peer.isClosed(), 30_000);
      return peer;
    };

    it('the tube-layer server', async () => {
      const server = await startServer((ex) => ex.respond(204, []));
      const peer = await flood(server.port);
      // The core's own verdict, whatever happens to the socket afterwards.
      await until(() => server.events.some((e) => e.kind === 'limitExceeded'));
      expect(server.events.filter((e) => e.kind === 'limitExceeded')).toEqual([
        { kind: 'limitExceeded', limit: 'queuedControlFrames', streamId: 0 },
      ]);
      expect(peer.goaway()?.errorCode).toBe('ENHANCE_YOUR_CALM');
      expect(peer.frames.filter((f) => f.type === 'PING').length).toBeLessThan(ACKS_AT_MOST);
    }, 60_000);

    it('a server driven by the core alone', async () => {
      const server = await startCoreServer();
      const peer = await flood(server.port);
      expect(peer.goaway()?.errorCode).toBe('ENHANCE_YOUR_CALM');
      expect(peer.frames.filter((f) => f.type === 'PING').length).toBeLessThan(ACKS_AT_MOST);
    }, 60_000);
  });
});
