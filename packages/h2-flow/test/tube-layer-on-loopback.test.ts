/**
 * The tube layer's own duties on real sockets: codec faults become the RFC's answer on the wire,
 * inserted stages see and change frames, graceful close is two-phase, and exchange methods map
 * to the right frames. The peer is a raw socket speaking frames from h2-frames, so the exact
 * frames coming back are asserted.
 */
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import type { Frame } from '@h2tubes/h2-frames';
import { EMPTY, lastValueFrom, map, Subject, tap, throwError } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { H2Session, type ServerConnectionOptions, serverConnection } from '../src/index.js';
import type { ServerExchange } from '../src/tubes/exchange-types.js';
import { closeAll, onClose, rawPeer, startServer, until } from './helpers/loopback.js';

afterEach(closeAll);

const server = async (onExchange: (ex: ServerExchange) => void, options: ServerConnectionOptions = {}) =>
  (await startServer(onExchange, options)).port;

describe('codec faults on a live connection', () => {
  it('an undecodable HPACK block ends the connection with GOAWAY COMPRESSION_ERROR (RFC 9113 §4.3)', async () => {
    const peer = await rawPeer(await server(() => {}));
    peer.send({
      type: 'HEADERS',
      streamId: 1,
      endStream: true,
      endHeaders: true,
      priority: undefined,
      padLength: undefined,
      fragment: Uint8Array.of(0x80),
    });
    await until(() => peer.frames.some((f) => f.type === 'GOAWAY'));
    expect(peer.frames.find((f) => f.type === 'GOAWAY')).toMatchObject({ errorCode: 'COMPRESSION_ERROR' });
    await until(peer.isClosed);
    expect(peer.isClosed()).toBe(true);
  });

  it('a PRIORITY frame of the wrong length resets only its stream with FRAME_SIZE_ERROR (RFC 9113 §6.3)', async () => {
    const port = await server((ex) => ex.respond(200, [], 'ok'));
    const peer = await rawPeer(port);
    peer.send(peer.request(1, '/a', false));
    peer.socket.write(Uint8Array.of(0, 0, 4, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0)); // PRIORITY, length 4, stream 1
    peer.send(peer.request(3, '/b'));
    await until(() => peer.frames.some((f) => f.type === 'DATA' && f.streamId === 3 && f.endStream));
    expect(peer.frames.find((f) => f.type === 'RST_STREAM')).toMatchObject({
      streamId: 1,
      errorCode: 'FRAME_SIZE_ERROR',
    });
    expect(peer.frames.some((f) => f.type === 'GOAWAY')).toBe(false);
  });
});

describe('inserted stages', () => {
  it('afterParse sees every frame and afterDecode can rewrite headers before the core', async () => {
    const seen: string[] = [];
    const port = await server((ex) => ex.respond(200, [{ name: 'x-path', value: ex.path }]), {
      stages: {
        afterParse: tap((f) => seen.push(f.type)),
        afterDecode: map((f) =>
          f.type === 'FIELD_BLOCK'
            ? {
                ...f,
                fields: f.fields.map((h) =>
                  h.name === ':path' ? { ...h, value: `/rewritten${h.value}` } : h,
                ),
              }
            : f,
        ),
      },
    });
    const client = http2.connect(`http://127.0.0.1:${port}`);
    onClose(() => client.close());
    const head = await new Promise<http2.IncomingHttpHeaders>((resolve) =>
      client.request({ ':path': '/p' }).on('response', resolve),
    );
    expect(head['x-path']).toBe('/rewritten/p');
    expect(seen).toEqual(expect.arrayContaining(['SETTINGS', 'HEADERS']));
  });
});

describe('exchange methods on the wire', () => {
  it('sendInformational sends a 1xx before the final response; reset() sends RST_STREAM with the code', async () => {
    const port = await server((ex) => {
      if (ex.path === '/reset') return ex.reset('REFUSED_STREAM');
      ex.sendInformational(103, [{ name: 'link', value: '</a.css>; rel=preload' }]);
      ex.respond(204, []);
    });
    const peer = await rawPeer(port);
    peer.send(peer.request(1, '/hints'), peer.request(3, '/reset'));
    await until(
      () =>
        peer.frames.some((f) => f.type === 'RST_STREAM') &&
        peer.frames.filter((f) => f.type === 'HEADERS' && f.streamId === 1).length === 2,
    );
    const heads = peer.frames.filter((f) => f.type === 'HEADERS' && f.streamId === 1);
    expect(heads.map((h) => (h as { endStream: boolean }).endStream)).toEqual([false, true]);
    expect(peer.frames.find((f) => f.type === 'RST_STREAM')).toMatchObject({
      streamId: 3,
      errorCode: 'REFUSED_STREAM',
    });
  });

  it('an Observable body is sent chunk by chunk and the stream ends when it completes', async () => {
    const feed = new Subject<Uint8Array>();
    const port = await server((ex) => ex.respond(200, [], feed));
    const client = http2.connect(`http://127.0.0.1:${port}`);
    onClose(() => client.close());
    const req = client.request({ ':path': '/' });
    const got: string[] = [];
    req.setEncoding('utf8');
    req.on('data', (c: string) => got.push(c));
    const ended = new Promise((r) => req.on('end', r));
    await new Promise((r) => req.once('response', r));
    feed.next(new TextEncoder().encode('a'));
    feed.next(new TextEncoder().encode('b'));
    feed.complete();
    await ended;
    expect(got.join('')).toBe('ab');
  });
});

describe('graceful close (RFC 9113 §6.8)', () => {
  it('a gracefulClose that ends without emitting, completing or failing, leaves the connection serving', async () => {
    for (const gracefulClose of [EMPTY, throwError(() => new Error('the signal source failed'))]) {
      const port = await server((ex) => ex.respond(200, [], 'still here'), { gracefulClose });
      const peer = await rawPeer(port);
      peer.send(peer.request(1, '/'));
      await until(() => peer.frames.some((f) => f.type === 'DATA' && f.endStream));
      expect(peer.frames.some((f) => f.type === 'GOAWAY' || f.type === 'PING')).toBe(false);
      expect(peer.isClosed()).toBe(false);
    }
  });

  it('sends GOAWAY 2^31-1 and a PING, then the real last-stream-id, and lets the in-flight stream finish', async () => {
    const close = new Subject<void>();
    let release!: () => void;
    const port = await server(
      (ex) => {
        new Promise<void>((r) => {
          release = r;
        }).then(() => ex.respond(200, [], 'late'));
      },
      { gracefulClose: close },
    );
    const peer = await rawPeer(port);
    peer.send(peer.request(1, '/slow'));
    await until(() => release !== undefined);
    close.next();
    await until(() => peer.frames.some((f) => f.type === 'PING' && !f.ack));
    const ping = peer.frames.find((f) => f.type === 'PING' && !f.ack) as Frame & { type: 'PING' };
    peer.send({ type: 'PING', streamId: 0, ack: true, opaqueData: ping.opaqueData });
    await until(() => peer.frames.filter((f) => f.type === 'GOAWAY').length === 2);
    release();
    await until(() => peer.frames.some((f) => f.type === 'DATA' && f.endStream));
    const goaways = peer.frames.filter((f) => f.type === 'GOAWAY') as Array<Frame & { type: 'GOAWAY' }>;
    expect(goaways.map((g) => g.lastStreamId)).toEqual([0x7fff_ffff, 1]);
    expect(goaways.every((g) => g.errorCode === 'NO_ERROR')).toBe(true);
    expect(peer.frames.some((f) => f.type === 'DATA' && f.streamId === 1 && f.endStream)).toBe(true);
    await until(peer.isClosed);
    expect(peer.isClosed()).toBe(true);
  });
});

describe('response bodies that go wrong', () => {
  it('a body source that fails resets only its stream with INTERNAL_ERROR', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('partial');
      throw new Error('backend went away');
    }
    const port = await server((ex) => ex.respond(200, [], ex.path === '/bad' ? failing() : 'fine'));
    const peer = await rawPeer(port);
    peer.send(peer.request(1, '/bad'), peer.request(3, '/good'));
    await until(
      () =>
        peer.frames.some((f) => f.type === 'RST_STREAM') &&
        peer.frames.some((f) => f.type === 'DATA' && f.streamId === 3 && f.endStream),
    );
    expect(peer.frames.filter((f) => f.type === 'RST_STREAM')).toEqual([
      { type: 'RST_STREAM', streamId: 1, errorCode: 'INTERNAL_ERROR' },
    ]);
    expect(peer.goaway()).toBeUndefined();
  });

  it('trailers that reject reset the stream; an empty trailer list ends it with an empty DATA', async () => {
    const port = await server((ex) =>
      ex.path === '/reject'
        ? ex.respond(200, [], undefined, Promise.reject(new Error('no checksum')))
        : ex.respond(200, [], 'body', Promise.resolve([])),
    );
    const peer = await rawPeer(port);
    peer.send(peer.request(1, '/reject'), peer.request(3, '/empty'));
    await until(
      () =>
        peer.frames.some((f) => f.type === 'RST_STREAM') &&
        peer.frames.some((f) => f.type === 'DATA' && f.streamId === 3 && f.endStream),
    );
    expect(peer.frames.filter((f) => f.type === 'RST_STREAM')).toEqual([
      { type: 'RST_STREAM', streamId: 1, errorCode: 'INTERNAL_ERROR' },
    ]);
    const data = peer.frames.filter((f) => f.type === 'DATA' && f.streamId === 3) as Array<
      Frame & { type: 'DATA' }
    >;
    expect(data.map((d) => [d.data.length, d.endStream])).toEqual([
      [4, false],
      [0, true],
    ]);
    expect(peer.frames.filter((f) => f.type === 'HEADERS' && f.streamId === 3)).toHaveLength(1);
  });
});

describe('H2Session composed by hand', () => {
  it('conn is the core connection behind the session: it counts the streams the peer opens and resets', async () => {
    let session: H2Session | undefined;
    const srv = net.createServer((socket) => {
      socket.on('error', () => {}); // the peer's socket is destroyed at the end of the test
      session = new H2Session(socket, 'server', {});
      session.start();
      onClose(() => session?.dispose());
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    onClose(() => srv.close());
    const peer = await rawPeer((srv.address() as AddressInfo).port);
    peer.send(peer.request(1, '/', false));
    await until(() => session?.conn.activeStreams === 1);
    expect(session?.conn.role).toBe('server');
    expect(session?.conn.activeStreams).toBe(1);
    peer.send({ type: 'RST_STREAM', streamId: 1, errorCode: 'CANCEL' });
    await until(() => session?.conn.activeStreams === 0);
    expect(session?.conn.activeStreams).toBe(0);
  });
});

describe('how a connection ends', () => {
  it('unsubscribing from serverConnection sends GOAWAY NO_ERROR and aborts in-flight exchanges', async () => {
    let signal: AbortSignal | undefined;
    let stop!: () => void;
    const srv = net.createServer((socket) => {
      const sub = serverConnection(socket).subscribe((ex) => {
        signal = ex.signal;
      });
      stop = () => sub.unsubscribe();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    onClose(() => srv.close());
    const peer = await rawPeer((srv.address() as AddressInfo).port);
    peer.send(peer.request(1, '/', false));
    await until(() => signal !== undefined);
    stop();
    await until(() => peer.goaway() !== undefined && peer.isClosed());
    expect(peer.goaway()).toMatchObject({ errorCode: 'NO_ERROR', lastStreamId: 1 });
    expect(signal?.aborted).toBe(true);
  });

  it('after its last GOAWAY the server ends its side and reads on; a peer that never closes is cut off after the linger (2 s)', async () => {
    const close = new Subject<void>();
    const port = await server(() => {}, { gracefulClose: close });
    const peer = await rawPeer(port, { allowHalfOpen: true });
    let ended = false;
    peer.socket.once('end', () => {
      ended = true;
    });
    await until(() => peer.frames.some((f) => f.type === 'SETTINGS'));
    close.next();
    // No stream in flight: the graceful close ends the connection once the PING is answered.
    await until(() => peer.frames.some((f) => f.type === 'PING' && !f.ack));
    const ping = peer.frames.find((f) => f.type === 'PING' && !f.ack) as Frame & { type: 'PING' };
    peer.send({ type: 'PING', streamId: 0, ack: true, opaqueData: ping.opaqueData });
    await until(() => ended);
    const endedAt = performance.now();
    expect(peer.goaway()).toMatchObject({ errorCode: 'NO_ERROR' });
    // The peer keeps writing: discarded while the server lingers, answered with a TCP RST (which
    // closes the peer's socket) once the server has destroyed its own.
    const probe = setInterval(() => peer.send({ ...ping, ack: false }), 50);
    onClose(() => clearInterval(probe));
    await until(peer.isClosed);
    expect(peer.isClosed()).toBe(true);
    expect(performance.now() - endedAt).toBeGreaterThan(1500);
  });

  it('a peer that drops the TCP connection mid-request aborts the exchange and its request body', async () => {
    let exchange: ServerExchange | undefined;
    const port = await server((ex) => {
      exchange = ex;
    });
    const peer = await rawPeer(port);
    peer.send(peer.request(1, '/upload', false));
    await until(() => exchange !== undefined);
    const body = lastValueFrom(exchange?.body.chunks ?? EMPTY);
    peer.socket.resetAndDestroy();
    await expect(body).rejects.toBeInstanceOf(Error);
    expect(exchange?.signal.aborted).toBe(true);
  });
});

describe('request bodies nobody reads (RFC 9113 §8.1)', () => {
  const data = (streamId: number, endStream = false, size = 1000): Frame => ({
    type: 'DATA',
    streamId,
    endStream,
    padLength: undefined,
    data: new Uint8Array(size),
  });
  /** 80 KiB in 16 KiB frames: more than the 64 KiB window the client had when the response ended. */
  const overWindow = (streamId: number): Frame[] =>
    Array.from({ length: 5 }, () => data(streamId, false, 16_384));
  const resets = (peer: { frames: Frame[] }) =>
    peer.frames
      .filter((f) => f.type === 'RST_STREAM')
      .map((f) => `${f.streamId} ${(f as { errorCode: string }).errorCode}`);
  const responseEnded = (peer: { frames: Frame[] }, id: number) =>
    peer.frames.some((f) => f.type === 'DATA' && f.streamId === id && f.endStream);
  const credited = (peer: { frames: Frame[] }, id: number) =>
    peer.frames.some((f) => f.type === 'WINDOW_UPDATE' && f.streamId === id);

  it('after a complete response an unread body is discarded with its credit returned, then reset with NO_ERROR once the client sends past the window it had; a late reader gets an error', async () => {
    let exchange: ServerExchange | undefined;
    const peer = await rawPeer(
      await server((ex) => {
        exchange = ex;
        ex.respond(200, [], 'answered');
      }),
    );
    peer.send(peer.request(1, '/upload', false), data(1));
    await until(() => responseEnded(peer, 1));
    await expect(lastValueFrom((exchange as ServerExchange).body.chunks)).rejects.toThrow('was not read');
    // Not yet: the client may not have read the response (curl 7.88 fails a transfer whose
    // RST_STREAM arrives with its response).
    expect(resets(peer)).toEqual([]);
    peer.send(...overWindow(1));
    await until(() => resets(peer).length > 0);
    expect(credited(peer, 1)).toBe(true); // the discarded octets were credited back
    expect(resets(peer)).toEqual(['1 NO_ERROR']);
    peer.send(data(1, true)); // still in flight when the reset left: credited, not an error
    peer.send(peer.request(3, '/next'));
    await until(() => responseEnded(peer, 3));
    expect(peer.goaway()).toBeUndefined();
  });

  it('a client that ends its unread body within the window is not reset', async () => {
    const peer = await rawPeer(await server((ex) => ex.respond(200, [], 'answered')));
    peer.send(peer.request(1, '/upload', false), data(1));
    await until(() => responseEnded(peer, 1));
    peer.send(data(1), data(1, true));
    peer.send(peer.request(3, '/next'));
    await until(() => responseEnded(peer, 3));
    expect(resets(peer)).toEqual([]);
  });

  it('a body being read when the response completes is left alone and arrives whole', async () => {
    let received = 0;
    const peer = await rawPeer(
      await server((ex) => {
        ex.body.chunks.subscribe((c) => {
          received += c.length;
        });
        ex.respond(202, [], 'accepted');
      }),
    );
    peer.send(peer.request(1, '/upload', false), data(1));
    await until(() => responseEnded(peer, 1));
    peer.send(...overWindow(1), data(1, true));
    await until(() => received === 1000 + 5 * 16_384 + 1000);
    expect(resets(peer)).toEqual([]);
  });

  it('a reader that leaves mid-way after the response is complete makes the rest unwanted then', async () => {
    let leave: (() => void) | undefined;
    const peer = await rawPeer(
      await server((ex) => {
        const sub = ex.body.chunks.subscribe();
        leave = () => sub.unsubscribe();
        ex.respond(200, [], 'answered');
      }),
    );
    peer.send(peer.request(1, '/upload', false), data(1));
    await until(() => responseEnded(peer, 1));
    leave?.();
    peer.send(...overWindow(1));
    await until(() => resets(peer).length > 0);
    expect(resets(peer)).toEqual(['1 NO_ERROR']);
  });
});

describe('exchange misuse and late answers', () => {
  it('a second respond() throws; a respond() after the client reset the stream sends nothing and does not throw', async () => {
    const answered: ServerExchange[] = [];
    let secondError: unknown;
    const peer = await rawPeer(
      await server((ex) => {
        answered.push(ex);
        if (ex.path === '/twice') {
          ex.respond(200, [], 'first');
          try {
            ex.respond(500, []);
          } catch (e) {
            secondError = e;
          }
        }
      }),
    );
    peer.send(peer.request(1, '/twice'), peer.request(3, '/late', false));
    await until(() => answered.length === 2);
    expect(String(secondError)).toMatch(/already has a response/);
    peer.send({ type: 'RST_STREAM', streamId: 3, errorCode: 'CANCEL' });
    await until(() => answered[1]?.signal.aborted === true);
    answered[1]?.respond(200, [], 'too late');
    peer.send(peer.request(5, '/twice'));
    await until(() => peer.frames.some((f) => f.type === 'DATA' && f.streamId === 5 && f.endStream));
    expect(peer.frames.filter((f) => f.streamId === 3)).toEqual([]);
  });

  it('a body left before the response is complete is unwanted only once the response ends (RFC 9113 §8.1)', async () => {
    let respond: (() => void) | undefined;
    const peer = await rawPeer(
      await server((ex) => {
        ex.body.chunks.subscribe().unsubscribe(); // left at once
        respond = () => ex.respond(200, [], 'later');
      }),
    );
    const chunk = (size: number): Frame => ({
      type: 'DATA',
      streamId: 1,
      endStream: false,
      padLength: undefined,
      data: new Uint8Array(size),
    });
    peer.send(peer.request(1, '/upload', false), chunk(100));
    await until(() => respond !== undefined);
    respond?.();
    await until(() => peer.frames.some((f) => f.type === 'DATA' && f.streamId === 1 && f.endStream));
    expect(peer.frames.filter((f) => f.type === 'RST_STREAM')).toEqual([]);
    peer.send(...Array.from({ length: 5 }, () => chunk(16_384)));
    await until(() => peer.frames.some((f) => f.type === 'RST_STREAM'));
    expect(peer.frames.find((f) => f.type === 'RST_STREAM')).toEqual({
      type: 'RST_STREAM',
      streamId: 1,
      errorCode: 'NO_ERROR',
    });
  });
});
