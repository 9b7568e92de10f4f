/**
 * The client side of "the pipeline is the code" (h2-flow README, "A client composed from the
 * stages"): a client written by hand from the public stages — socket fount, h2-frames' tubes, the
 * connection stage, the client role, socket drain — talks to node:http2, with any operator at any
 * boundary in both directions; and the client's two shapes (running, cold) close as they say.
 */
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import {
  assembleFieldBlocks,
  CONNECTION_PREFACE,
  decodeHpack,
  encodeHpack,
  H2ProtocolError,
  parseFrames,
  serializeFrames,
  splitFrames,
} from '@h2tubes/h2-frames';
import { socketDrain, socketFount, socketRoom } from '@h2tubes/tubes';
import {
  config,
  firstValueFrom,
  lastValueFrom,
  map,
  type Observable,
  type OperatorFunction,
  reduce,
  startWith,
  switchMap,
  take,
  tap,
} from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ClientSession,
  ConnectionStage,
  clientConnection,
  clientExchanges,
  FrameCodec,
  observeClientConnection,
} from '../src/index.js';
import type { ClientResponse } from '../src/tubes/exchange-types.js';
import { closeAll, onClose, until } from './helpers/loopback.js';

afterEach(closeAll);

interface Origin {
  readonly port: number;
  /** The GOAWAY codes node:http2 received, per connection, in order. */
  readonly goaways: number[];
  /** Connections node:http2 saw end. */
  readonly closed: () => number;
}

/**
 * A node:http2 server: `/echo` answers the request body with `x-saw` telling the `x-client` it
 * got, `/reset-before` resets the stream before any response (ENHANCE_YOUR_CALM), `/reset-mid`
 * after some of the body (INTERNAL_ERROR), `/bye` answers then closes the connection (GOAWAY),
 * anything else answers its path.
 */
async function origin(): Promise<Origin> {
  const goaways: number[] = [];
  let closed = 0;
  const server = http2.createServer();
  server.on('session', (s) => {
    s.on('goaway', (code) => goaways.push(code));
    s.on('close', () => closed++);
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    const path = String(headers[':path']);
    if (path === '/echo') {
      stream.respond({ ':status': 200, 'x-saw': String(headers['x-client']) });
      stream.pipe(stream);
    } else if (path === '/reset-before') {
      stream.close(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
    } else if (path === '/bye') {
      stream.respond({ ':status': 200 });
      stream.end('bye', () => stream.session?.close()); // graceful GOAWAY from the server
    } else if (path === '/reset-mid') {
      stream.respond({ ':status': 200 });
      // close(code) after a write ends the stream first (END_STREAM, then RST_STREAM NO_ERROR);
      // destroy() resets it with INTERNAL_ERROR.
      stream.write('partial', () => setTimeout(() => stream.destroy(new Error('cut mid-body')), 20));
    } else {
      stream.respond({ ':status': 200 });
      stream.end(`you asked for ${path}\n`);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onClose(() => server.close());
  return { port: (server.address() as AddressInfo).port, goaways, closed: () => closed };
}

async function connected(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  onClose(() => socket.destroy());
  await new Promise((r) => socket.once('connect', r));
  return socket;
}

const bytesOf = (res: ClientResponse): Promise<Buffer> =>
  lastValueFrom(res.body.chunks.pipe(reduce((parts: Buffer[], c) => [...parts, Buffer.from(c)], []))).then(
    (parts) => Buffer.concat(parts),
  );

describe('a client composed by hand from the public stages', () => {
  it("the README's chain POSTs to node:http2, reads the echo, and closes with GOAWAY NO_ERROR when done", async () => {
    const { port, goaways } = await origin();
    const seen: string[] = [];
    const answer = new Promise<string>((resolve, reject) => {
      // The README sample, with its port, and console.log turned into `seen.push` and `resolve`.
      const socket = net.connect(port, '127.0.0.1');
      onClose(() => socket.destroy());
      const codec = new FrameCodec('client'); // HPACK contexts, the frame sizes SETTINGS change
      const h2 = new ConnectionStage({ role: 'client', room: socketRoom(socket) });
      const fount = socketFount(socket, { onUnsubscribe: 'detach' }); // our last GOAWAY still goes out
      // Outbound: the preface (RFC 9113 §3.4), then the connection's frames → HPACK → the socket.
      h2.outbound
        .pipe(
          encodeHpack(codec.encoder),
          serializeFrames(codec.serializer),
          startWith(CONNECTION_PREFACE),
          socketDrain(socket, { pause: () => fount.pauseFlow('peer not reading') }),
        )
        .subscribe();
      // Inbound: socket bytes → frames → the connection → the client role; then a POST and its response.
      const text = new TextDecoder();
      const sessions = fount.pipe(
        splitFrames(codec.splitter),
        parseFrames(h2.streamError),
        tap((frame) => seen.push(`← ${frame.type} ${frame.streamId}`)),
        assembleFieldBlocks(),
        decodeHpack(codec.decoder),
        h2.receive, // subscribing starts the connection (our SETTINGS go out)
        tap(codec.follow),
        clientExchanges(h2), // emits the ClientSession once
      );
      sessions
        .pipe(
          switchMap((client) =>
            client.request({
              method: 'POST',
              scheme: 'http',
              authority: `127.0.0.1:${port}`,
              path: '/echo',
              body: 'hello',
            }),
          ),
          switchMap((res) =>
            res.body.chunks.pipe(reduce((s, chunk) => s + text.decode(chunk, { stream: true }), '')),
          ),
          take(1), // then unsubscribing closes the connection: GOAWAY NO_ERROR
        )
        .subscribe({ next: (body) => resolve(body), error: reject });
    });

    expect(await answer).toBe('hello');
    expect(seen).toEqual(expect.arrayContaining(['← SETTINGS 0', '← HEADERS 1', '← DATA 1']));
    await until(() => goaways.length > 0);
    expect(goaways).toEqual([http2.constants.NGHTTP2_NO_ERROR]);
  });

  /**
   * The same chain with an operator at every boundary: the eight of `FrameStages` plus the
   * connection's events, each counting what passes; `beforeEncode` rewrites a request header.
   */
  function composedClient(socket: net.Socket, counts: Map<string, number>): Observable<ClientSession> {
    const pass = <T>(name: string): OperatorFunction<T, T> =>
      map((x: T) => {
        counts.set(name, (counts.get(name) ?? 0) + 1);
        return x;
      });
    const codec = new FrameCodec('client');
    const h2 = new ConnectionStage({ role: 'client', room: socketRoom(socket) });
    const fount = socketFount(socket, { onUnsubscribe: 'detach' });
    h2.outbound
      .pipe(
        pass('beforeEncode'),
        map((f) =>
          f.type === 'FIELD_BLOCK'
            ? {
                ...f,
                fields: f.fields.map((h) => (h.name === 'x-client' ? { ...h, value: 'rewritten' } : h)),
              }
            : f,
        ),
        encodeHpack(codec.encoder),
        pass('afterEncode'),
        serializeFrames(codec.serializer),
        startWith(CONNECTION_PREFACE),
        pass('bytesOut'),
        socketDrain(socket, { pause: () => fount.pauseFlow('peer not reading') }),
      )
      .subscribe();
    const frames = fount.pipe(
      pass('bytesIn'),
      splitFrames(codec.splitter),
      pass('afterSplit'),
      parseFrames(h2.streamError),
      pass('afterParse'),
      assembleFieldBlocks(),
      pass('afterAssemble'),
      decodeHpack(codec.decoder),
      pass('afterDecode'),
    );
    return frames.pipe(h2.receive, pass('events'), tap(codec.follow), clientExchanges(h2));
  }

  it('with an operator at every boundary both ways: bodies flow both ways, a rewritten header arrives, each reset reaches its own request', async () => {
    const { port, goaways } = await origin();
    const counts = new Map<string, number>();
    const socket = await connected(port);
    const sessions = composedClient(socket, counts);
    const get = (path: string) => ({ method: 'GET', scheme: 'http', authority: `127.0.0.1:${port}`, path });

    const outcome = await firstValueFrom(
      sessions.pipe(
        switchMap(async (client) => {
          // 1 MiB each way: past the 64 KiB initial windows, so WINDOW_UPDATEs pass every boundary too.
          const upload = Buffer.alloc(1 << 20);
          for (let i = 0; i < upload.length; i++) upload[i] = (i * 7) & 0xff;
          const echo = firstValueFrom(
            client.request({
              ...get('/echo'),
              method: 'POST',
              fields: [{ name: 'x-client', value: 'composed' }],
              body: new Uint8Array(upload),
            }),
          );
          const before = firstValueFrom(client.request(get('/reset-before')));
          const mid = firstValueFrom(client.request(get('/reset-mid')));
          const plain = firstValueFrom(client.request(get('/plain')));
          const [echoed, beforeErr, midRes, plainRes] = await Promise.all([
            echo,
            before.then(
              () => undefined,
              (e: unknown) => e,
            ),
            mid,
            plain,
          ]);
          const midBody = await bytesOf(midRes).then(
            (b) => b.toString(),
            (e: unknown) => e,
          );
          return {
            saw: echoed.fields.find((f) => f.name === 'x-saw')?.value,
            echoedHash: createHash('sha256')
              .update(await bytesOf(echoed))
              .digest('hex'),
            uploadHash: createHash('sha256').update(upload).digest('hex'),
            beforeErr,
            midStatus: midRes.status,
            midBody,
            plain: (await bytesOf(plainRes)).toString(),
          };
        }),
      ),
    );

    expect(outcome.saw).toBe('rewritten');
    expect(outcome.echoedHash).toBe(outcome.uploadHash);
    expect(H2ProtocolError.is(outcome.beforeErr) && outcome.beforeErr.code).toBe('ENHANCE_YOUR_CALM');
    expect(outcome.midStatus).toBe(200);
    expect(H2ProtocolError.is(outcome.midBody) && outcome.midBody.code).toBe('INTERNAL_ERROR');
    expect(outcome.plain).toBe('you asked for /plain\n');
    const boundaries = [
      'bytesIn',
      'afterSplit',
      'afterParse',
      'afterAssemble',
      'afterDecode',
      'events',
      'beforeEncode',
      'afterEncode',
      'bytesOut',
    ];
    expect([...counts.keys()].sort()).toEqual(boundaries.sort());
    for (const n of counts.values()) expect(n).toBeGreaterThan(0);
    // firstValueFrom unsubscribed once it had the outcome: the connection is closed cleanly.
    await until(() => goaways.length > 0);
    expect(goaways).toEqual([http2.constants.NGHTTP2_NO_ERROR]);
  });
});

describe('the two shapes of the client connection', () => {
  it('observeClientConnection is cold: nothing is sent before subscribing; unsubscribing sends GOAWAY NO_ERROR and fails the open request', async () => {
    const { port, goaways, closed } = await origin();
    const socket = await connected(port);
    const connection = observeClientConnection(socket);
    await new Promise((r) => setTimeout(r, 50));
    expect(socket.bytesWritten).toBe(0); // not even the preface

    let client: ClientSession | undefined;
    const sub = connection.subscribe((c) => {
      client = c;
    });
    expect(client?.accepting).toBe(true);
    const res = await firstValueFrom(
      (client as ClientSession).request({
        method: 'GET',
        scheme: 'http',
        authority: 'localhost',
        path: '/reset-mid',
      }),
    );
    const body = bytesOf(res);
    sub.unsubscribe();
    await expect(body).rejects.toThrow(/connection closed/);
    await client?.closed;
    expect(client?.accepting).toBe(false);
    await expect(
      firstValueFrom(
        (client as ClientSession).request({
          method: 'GET',
          scheme: 'http',
          authority: 'localhost',
          path: '/',
        }),
      ),
    ).rejects.toThrow(/no longer accepts requests/);
    await until(() => goaways.length > 0 && closed() > 0);
    expect(goaways).toEqual([http2.constants.NGHTTP2_NO_ERROR]);
    expect(closed()).toBe(1);
  });

  it('observeClientConnection completes when the server ends the connection', async () => {
    const { port } = await origin();
    const socket = await connected(port);
    let completed = false;
    const done = lastValueFrom(
      observeClientConnection(socket).pipe(
        tap({ complete: () => (completed = true) }),
        // The server goes away once this request is answered.
        switchMap((client) =>
          client.request({ method: 'GET', scheme: 'http', authority: 'localhost', path: '/bye' }),
        ),
      ),
    );
    expect((await done).status).toBe(200);
    expect(completed).toBe(true);
  });

  it('a socket that fails errors the cold Observable and the open request with its error, and resolves closed', async () => {
    const { port } = await origin();
    const socket = await connected(port);
    let client: ClientSession | undefined;
    const failed = new Promise<unknown>((resolve) =>
      observeClientConnection(socket).subscribe({
        next: (c) => {
          client = c;
        },
        error: resolve,
      }),
    );
    const res = await firstValueFrom(
      (client as ClientSession).request({
        method: 'GET',
        scheme: 'http',
        authority: 'localhost',
        path: '/reset-mid',
      }),
    );
    const body = bytesOf(res);
    socket.destroy(new Error('the cable was cut'));
    expect(await failed).toEqual(new Error('the cable was cut'));
    await expect(body).rejects.toThrow('the cable was cut');
    await client?.closed;
    expect(client?.accepting).toBe(false);
  });

  it('clientConnection on a socket that fails: the open request fails with its error, closed resolves, and nothing is thrown unhandled', async () => {
    // What RxJS would throw on a later turn for an error nobody subscribed to handle.
    const unhandled: unknown[] = [];
    config.onUnhandledError = (e) => unhandled.push(e);
    onClose(() => {
      config.onUnhandledError = null;
    });
    const { port } = await origin();
    const socket = await connected(port);
    const session = clientConnection(socket);
    const res = await firstValueFrom(
      session.request({ method: 'GET', scheme: 'http', authority: 'localhost', path: '/reset-mid' }),
    );
    const body = bytesOf(res);
    socket.destroy(new Error('the cable was cut'));
    await expect(body).rejects.toThrow('the cable was cut');
    await session.closed;
    expect(session.accepting).toBe(false);
    await new Promise((r) => setTimeout(r, 10));
    expect(unhandled).toEqual([]);
  });

  it('clientConnection runs until close(): requests are issued at any time, each response is a cold Observable', async () => {
    const { port, goaways } = await origin();
    const session = clientConnection(await connected(port));
    const request = session.request({
      method: 'GET',
      scheme: 'http',
      authority: 'localhost',
      path: '/later',
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(goaways).toEqual([]);
    // Nothing was sent for `request` yet: two subscriptions are two streams.
    const [a, b] = await Promise.all([firstValueFrom(request), firstValueFrom(request)]);
    expect([a.streamId, b.streamId]).toEqual([1, 3]);
    expect((await bytesOf(a)).toString()).toBe('you asked for /later\n');
    expect((await bytesOf(b)).toString()).toBe('you asked for /later\n');
    session.close();
    await session.closed;
    await until(() => goaways.length > 0);
    expect(goaways).toEqual([http2.constants.NGHTTP2_NO_ERROR]);
  });
});
