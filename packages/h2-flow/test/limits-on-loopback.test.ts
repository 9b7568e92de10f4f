/**
 * Every limit of DESIGN.md "Limits and their defaults" attacked on a live loopback connection.
 * The attacker is a raw socket speaking exact frames; each test asserts the RFC's answer on the
 * wire (RST_STREAM / GOAWAY code), the typed `limitExceeded` event where the core raises one, and
 * that a second connection to the same server — a `node:http2` client — is still served.
 */
import { encodeFrames, type Frame, SETTINGS_IDS } from '@h2tubes/h2-frames';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionEvent } from '../src/index.js';
import { closeAll, nodeGet, rawPeer, startServer, until } from './helpers/loopback.js';

afterEach(closeAll);

const ok = (ex: { respond(status: number, fields: [], body: string): void }) => ex.respond(200, [], 'ok');

/** Leaves the attacker's streams open (no response), serves the second connection's `/other`. */
const okOnlyOther = (ex: { path: string; respond(status: number, fields: [], body: string): void }) => {
  if (ex.path === '/other') ok(ex);
};

function limitsTripped(events: ConnectionEvent[]): string[] {
  return events.flatMap((e) => (e.kind === 'limitExceeded' ? [e.limit] : []));
}

/** Asserts the connection was ended with GOAWAY `code` and closed, then that others are served. */
async function expectGoawayAndOthersServed(
  peer: Awaited<ReturnType<typeof rawPeer>>,
  port: number,
  code: string,
): Promise<void> {
  await until(() => peer.goaway() !== undefined && peer.isClosed());
  expect(peer.goaway()).toMatchObject({ errorCode: code });
  expect(peer.isClosed()).toBe(true);
  await expect(nodeGet(port, '/other')).resolves.toEqual({ status: 200, body: 'ok' });
}

describe('SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 §5.1.2)', () => {
  it('a stream beyond the limit is refused with REFUSED_STREAM; the open ones and other connections go on', async () => {
    const held: Array<() => void> = [];
    const server = await startServer((ex) => (ex.path === '/hold' ? held.push(() => ok(ex)) : ok(ex)), {
      maxConcurrentStreams: 2,
    });
    const peer = await rawPeer(server.port);
    peer.send(peer.request(1, '/hold'), peer.request(3, '/hold'), peer.request(5, '/hold'));
    await until(() => peer.frames.some((f) => f.type === 'RST_STREAM'));
    expect(peer.frames.filter((f) => f.type === 'RST_STREAM')).toEqual([
      { type: 'RST_STREAM', streamId: 5, errorCode: 'REFUSED_STREAM' },
    ]);
    await expect(nodeGet(server.port, '/other')).resolves.toEqual({ status: 200, body: 'ok' });
    for (const release of held) release();
    await until(() => peer.frames.filter((f) => f.type === 'DATA' && f.endStream).length === 2);
    expect(peer.frames.filter((f) => f.type === 'DATA' && f.endStream).map((f) => f.streamId)).toEqual([
      1, 3,
    ]);
    expect(peer.goaway()).toBeUndefined();
  });
});

describe('rapid reset (CVE-2023-44487)', () => {
  it('streams opened and reset faster than the bucket refills end the connection with ENHANCE_YOUR_CALM', async () => {
    const server = await startServer(okOnlyOther, { rapidResetBurst: 10, rapidResetRefillPerSecond: 1 });
    const peer = await rawPeer(server.port);
    for (let id = 1; id <= 41; id += 2) {
      peer.send(peer.request(id, '/', false), { type: 'RST_STREAM', streamId: id, errorCode: 'CANCEL' });
    }
    await expectGoawayAndOthersServed(peer, server.port, 'ENHANCE_YOUR_CALM');
    expect(limitsTripped(server.events)).toContain('rapidReset');
  });
});

describe('header blocks (the 2024 CONTINUATION floods)', () => {
  it('more CONTINUATION frames than allowed end the connection with ENHANCE_YOUR_CALM before joining', async () => {
    const server = await startServer(ok, { fieldBlock: { maxContinuations: 4 } });
    const peer = await rawPeer(server.port);
    const block = peer.request(1, '/').block;
    peer.send({
      type: 'HEADERS',
      streamId: 1,
      endStream: true,
      endHeaders: false,
      priority: undefined,
      padLength: undefined,
      fragment: block.subarray(0, 1),
    });
    for (let i = 0; i < 20; i++) {
      peer.send({ type: 'CONTINUATION', streamId: 1, endHeaders: false, fragment: Uint8Array.of(0x88) });
    }
    await expectGoawayAndOthersServed(peer, server.port, 'ENHANCE_YOUR_CALM');
  });

  it('an encoded block over the size bound ends the connection with ENHANCE_YOUR_CALM', async () => {
    const server = await startServer(ok, { fieldBlock: { maxBlockSize: 4096 } });
    const peer = await rawPeer(server.port);
    const chunk = new Uint8Array(3000).fill(0x88);
    peer.send({
      type: 'HEADERS',
      streamId: 1,
      endStream: true,
      endHeaders: false,
      priority: undefined,
      padLength: undefined,
      fragment: chunk,
    });
    peer.send({ type: 'CONTINUATION', streamId: 1, endHeaders: false, fragment: chunk });
    await expectGoawayAndOthersServed(peer, server.port, 'ENHANCE_YOUR_CALM');
  });
});

describe('SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2, §10.5.1)', () => {
  it('a header list over the limit gets a 431 on its own stream; the connection keeps serving', async () => {
    const server = await startServer(ok, { maxHeaderListSize: 1000 });
    const peer = await rawPeer(server.port);
    const big = peer.request(1, `/${'a'.repeat(2000)}`);
    peer.send(big, peer.request(3, '/small'));
    await until(() => peer.frames.some((f) => f.type === 'DATA' && f.streamId === 3 && f.endStream));
    const heads = peer.frames.filter((f) => f.type === 'HEADERS');
    expect(heads.map((h) => [h.streamId, (h as { endStream: boolean }).endStream])).toEqual([
      [1, true],
      [3, false],
    ]);
    expect(peer.goaway()).toBeUndefined();
  });

  it('an HPACK bomb (a small block expanding through the dynamic table) ends the connection with ENHANCE_YOUR_CALM', async () => {
    const server = await startServer(ok, { maxHeaderListSize: 1000 });
    const peer = await rawPeer(server.port);
    // RFC 7541 §6.2.1 literal with incremental indexing, new name "x-bomb", 4000-octet value
    // (length 4000 as a 7-bit-prefix integer: 0x7f, 0xa1, 0x1e), then 30 one-octet references to
    // it (index 62, 0xbe): ~40 octets of block decode to ~120 KB of header list.
    const literal = Buffer.concat([
      Uint8Array.of(0x40, 6),
      new TextEncoder().encode('x-bomb'),
      Uint8Array.of(0x7f, 0xa1, 0x1e),
      new Uint8Array(4000).fill(0x61),
    ]);
    const block = Buffer.concat([peer.request(1, '/').block, literal, new Uint8Array(30).fill(0xbe)]);
    peer.send({
      type: 'HEADER_BLOCK',
      kind: 'HEADERS',
      streamId: 1,
      endStream: true,
      priority: undefined,
      promisedStreamId: 0,
      block,
    });
    await expectGoawayAndOthersServed(peer, server.port, 'ENHANCE_YOUR_CALM');
  });
});

describe('empty DATA frames (CVE-2019-9518)', () => {
  it('empty DATA frames without END_STREAM beyond the limit end the connection with ENHANCE_YOUR_CALM', async () => {
    const server = await startServer(okOnlyOther, { maxEmptyDataFrames: 5 });
    const peer = await rawPeer(server.port);
    peer.send(peer.request(1, '/', false));
    for (let i = 0; i < 10; i++) {
      peer.send({
        type: 'DATA',
        streamId: 1,
        endStream: false,
        padLength: undefined,
        data: new Uint8Array(0),
      });
    }
    await expectGoawayAndOthersServed(peer, server.port, 'ENHANCE_YOUR_CALM');
    expect(limitsTripped(server.events)).toContain('emptyDataFrames');
  });
});

describe('streams we reset for peer errors', () => {
  it('more malformed requests than allowed end the connection with ENHANCE_YOUR_CALM', async () => {
    const server = await startServer(ok, { maxLocalResets: 3 });
    const peer = await rawPeer(server.port);
    for (let id = 1; id <= 11; id += 2) {
      // WINDOW_UPDATE of 0 on an open stream: a stream error PROTOCOL_ERROR (RFC 9113 §6.9).
      peer.send(peer.request(id, '/', false), {
        type: 'WINDOW_UPDATE',
        streamId: id,
        windowSizeIncrement: 0,
      });
    }
    await expectGoawayAndOthersServed(peer, server.port, 'ENHANCE_YOUR_CALM');
    expect(peer.frames.filter((f) => f.type === 'RST_STREAM').length).toBeGreaterThanOrEqual(3);
    expect(limitsTripped(server.events)).toContain('localResets');
  });
});

describe('frame size (RFC 9113 §4.2)', () => {
  it('a frame longer than SETTINGS_MAX_FRAME_SIZE ends the connection with FRAME_SIZE_ERROR from its header alone', async () => {
    const server = await startServer(ok);
    const peer = await rawPeer(server.port);
    peer.send(peer.request(1, '/', false));
    // A DATA header announcing 20 000 octets, and only the header: the answer must not wait for them.
    peer.socket.write(Uint8Array.of(0x00, 0x4e, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01));
    await expectGoawayAndOthersServed(peer, server.port, 'FRAME_SIZE_ERROR');
  });
});

describe('preface and SETTINGS deadlines (RFC 9113 §3.4, §6.5.3)', () => {
  it('a client that sends no preface is closed after the timeout with GOAWAY SETTINGS_TIMEOUT', async () => {
    const server = await startServer(ok, { prefaceTimeoutMs: 100 });
    const peer = await rawPeer(server.port, { preface: false });
    await expectGoawayAndOthersServed(peer, server.port, 'SETTINGS_TIMEOUT');
    expect(limitsTripped(server.events)).toContain('prefaceTimeout');
  });

  it('a client that never ACKs our SETTINGS gets GOAWAY SETTINGS_TIMEOUT', async () => {
    const server = await startServer(ok, { settingsTimeoutMs: 100 });
    const peer = await rawPeer(server.port, { ackSettings: false });
    await expectGoawayAndOthersServed(peer, server.port, 'SETTINGS_TIMEOUT');
    expect(limitsTripped(server.events)).toContain('settingsTimeout');
  });

  it('bytes that are not the preface end the connection with PROTOCOL_ERROR', async () => {
    const server = await startServer(ok);
    const peer = await rawPeer(server.port, { preface: false });
    peer.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await expectGoawayAndOthersServed(peer, server.port, 'PROTOCOL_ERROR');
  });
});

describe('queued control-frame answers (CVE-2019-9512/9515)', () => {
  it('a PING flood from a peer that does not read ends the connection with ENHANCE_YOUR_CALM; memory stays bounded', async () => {
    const server = await startServer(ok, { maxQueuedControlFrames: 200, outboundHighWaterMark: 16 * 1024 });
    const peer = await rawPeer(server.port);
    await until(() => peer.frames.some((f) => f.type === 'SETTINGS' && f.ack));
    peer.socket.pause(); // never read again: our PING ACKs pile up in the server's socket
    const ping: Frame = { type: 'PING', streamId: 0, ack: false, opaqueData: new Uint8Array(8) };
    const burst = Buffer.concat(Array.from({ length: 1000 }, () => encodeFrames([ping])));
    for (let i = 0; i < 200 && !peer.socket.destroyed; i++) {
      peer.socket.write(burst);
      await new Promise((r) => setImmediate(r));
      if (limitsTripped(server.events).length > 0) break;
    }
    await until(() => limitsTripped(server.events).length > 0, 5000);
    expect(limitsTripped(server.events)).toContain('queuedControlFrames');
    await expect(nodeGet(server.port, '/other')).resolves.toEqual({ status: 200, body: 'ok' });
  });
});

describe('a peer that never reads (CVE-2019-9517)', () => {
  it('stops pulling the response body once the socket holds the high-water mark; other connections are served', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      const chunk = new Uint8Array(16 * 1024);
      for (;;) {
        pulled += chunk.length;
        yield chunk;
      }
    }
    const server = await startServer(
      (ex) => (ex.path === '/other' ? ok(ex) : ex.respond(200, [], endless())),
      {
        outboundHighWaterMark: 64 * 1024,
      },
    );
    const peer = await rawPeer(server.port);
    // Flow control must not be what stops the server: open both windows as wide as allowed.
    peer.send(
      {
        type: 'SETTINGS',
        streamId: 0,
        ack: false,
        settings: [{ id: SETTINGS_IDS.SETTINGS_INITIAL_WINDOW_SIZE, value: 0x7fff_ffff }],
      },
      { type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: 0x7fff_ffff - 65_535 },
    );
    peer.send(peer.request(1, '/endless'));
    await until(() => peer.frames.some((f) => f.type === 'DATA'));
    peer.socket.pause();
    // Loopback's kernel buffers take a few MB; after that the pull must stop, not grow with time.
    let before = -1;
    for (let i = 0; i < 100 && pulled !== before; i++) {
      before = pulled;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(pulled).toBe(before);
    expect(pulled).toBeLessThan(64 << 20);
    await expect(nodeGet(server.port, '/other')).resolves.toEqual({ status: 200, body: 'ok' });
    peer.socket.resume(); // reading again lets the body flow again
    const resumedAt = pulled;
    await until(() => pulled > resumedAt + (1 << 20));
    expect(pulled).toBeGreaterThan(resumedAt + (1 << 20));
  });
});

describe('idle connections and keepalive', () => {
  it('a connection without streams for idleTimeoutMs is closed with a graceful GOAWAY NO_ERROR', async () => {
    const server = await startServer(ok, { idleTimeoutMs: 100 });
    const peer = await rawPeer(server.port);
    await until(() => peer.goaway() !== undefined);
    expect(peer.goaway()).toMatchObject({ errorCode: 'NO_ERROR' });
    expect(limitsTripped(server.events)).toContain('idleTimeout');
  });

  it('a peer that stops answering keepalive PINGs is closed', async () => {
    const server = await startServer(ok, { keepaliveIntervalMs: 50, keepaliveTimeoutMs: 100 });
    const peer = await rawPeer(server.port);
    await expectGoawayAndOthersServed(peer, server.port, 'NO_ERROR');
    expect(peer.frames.some((f) => f.type === 'PING' && !f.ack)).toBe(true);
    expect(limitsTripped(server.events)).toContain('keepaliveTimeout');
  });

  it('a peer that answers keepalive PINGs stays connected', async () => {
    const server = await startServer(ok, { keepaliveIntervalMs: 30, keepaliveTimeoutMs: 60 });
    const peer = await rawPeer(server.port);
    let answered = 0;
    peer.socket.on('data', () => {
      for (const f of peer.frames.splice(0)) {
        if (f.type === 'PING' && !f.ack) {
          answered++;
          peer.send({ ...f, ack: true });
        }
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBeGreaterThan(1);
    expect(peer.isClosed()).toBe(false);
    expect(limitsTripped(server.events)).not.toContain('keepaliveTimeout');
  });
});
