import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ServerConnectionOptions, ServerExchange } from '@h2tubes/h2-flow';
import { CONNECTION_PREFACE } from '@h2tubes/h2-frames';
import { type Observable, Subject } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FetchHandler } from '../src/fetch-handler.js';
import { withTrailers } from '../src/response-to-exchange.js';
import { type ServeOptions, serve } from '../src/serve.js';
import type { Server } from '../src/server-lifecycle.js';
import { bodyText, FakeExchange } from './fake-exchange.js';

/** One accepted HTTP/2 connection as the fake stack sees it. */
interface FakeConnection {
  socket: Duplex;
  /** What serve() passes to acceptH2: the user's H2ConnectionOptions plus gracefulClose. */
  options: ServerConnectionOptions;
  exchanges: Subject<ServerExchange>;
  received: Promise<Buffer>;
}

let server: Server | undefined;
afterEach(async () => {
  await server?.close(100);
  server = undefined;
  vi.restoreAllMocks();
});

async function start(handler: FetchHandler, options: ServeOptions = {}) {
  const connections: FakeConnection[] = [];
  const accepted = new Subject<FakeConnection>();
  server = await serve(handler, {
    ...options,
    acceptH2: (socket, options): Observable<ServerExchange> => {
      const exchanges = new Subject<ServerExchange>();
      const received = new Promise<Buffer>((resolve) => {
        let got = Buffer.alloc(0);
        socket.on('data', (b: Buffer) => {
          got = Buffer.concat([got, b]);
          if (got.length >= CONNECTION_PREFACE.length + 4) resolve(got);
        });
      });
      const c = { socket, options, exchanges, received };
      connections.push(c);
      accepted.next(c);
      return exchanges;
    },
  });
  const connect = async (): Promise<{ client: net.Socket; connection: FakeConnection }> => {
    const next = new Promise<FakeConnection>((resolve) => accepted.subscribe((c) => resolve(c)));
    const client = net.connect((server as Server).port, '127.0.0.1');
    client.write(Buffer.concat([CONNECTION_PREFACE, Buffer.from('more')]));
    return { client, connection: await next };
  };
  return { connections, connect };
}

/** An exchange whose HTTP/2 stack refuses the first `refusals` responses (a stream gone meanwhile). */
class RefusingExchange extends FakeExchange {
  readonly attempts: number[] = [];
  constructor(
    private refusals: number,
    method: string,
    path: string,
  ) {
    super(method, path);
  }
  override respond(...args: Parameters<FakeExchange['respond']>): void {
    this.attempts.push(args[0]);
    if (this.refusals-- > 0) throw new Error(`stream refused the ${args[0]}`);
    super.respond(...args);
  }
}

describe('serve over a fake HTTP/2 stack', () => {
  it('hands a socket that starts with the preface to HTTP/2, the sniffed bytes put back (RFC 9113 §3.3)', async () => {
    const { connect } = await start(() => new Response('x'));
    const { client, connection } = await connect();
    const got = await connection.received;
    expect(got.subarray(0, 24).equals(Buffer.from(CONNECTION_PREFACE))).toBe(true);
    expect(got.subarray(24).toString()).toBe('more');
    client.destroy();
  });

  it('recognises a preface that arrives in several TCP segments', async () => {
    const { connections } = await start(() => new Response('x'));
    const client = net.connect((server as Server).port, '127.0.0.1');
    client.setNoDelay(true);
    const preface = Buffer.from(CONNECTION_PREFACE);
    client.write(preface.subarray(0, 3));
    await new Promise((r) => setTimeout(r, 20));
    client.write(preface.subarray(3, 20));
    await new Promise((r) => setTimeout(r, 20));
    client.write(Buffer.concat([preface.subarray(20), Buffer.from('tail')]));
    await vi.waitFor(() => expect(connections.length).toBe(1));
    const got = await (connections[0] as FakeConnection).received;
    expect(got.toString('latin1')).toBe(`${preface.toString('latin1')}tail`);
    client.destroy();
  });

  it('answers a request with the handler response', async () => {
    const { connect } = await start(
      (req) => new Response(`hi ${new URL(req.url).pathname}`, { headers: { 'X-Y': 'z' } }),
    );
    const { client, connection } = await connect();
    const ex = new FakeExchange('GET', '/there');
    connection.exchanges.next(ex);
    const r = await ex.response;
    expect(r.status).toBe(200);
    expect(r.fields).toContainEqual({ name: 'x-y', value: 'z' });
    expect(await bodyText(r.body)).toBe('hi /there');
    client.destroy();
  });

  it('turns a throwing handler into a 500 and one log line, and keeps serving', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { connect } = await start((req) => {
      if (req.url.endsWith('/boom')) throw new Error('kaput');
      return new Response('fine');
    });
    const { client, connection } = await connect();
    const bad = new FakeExchange('GET', '/boom');
    connection.exchanges.next(bad);
    expect((await bad.response).status).toBe(500);
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0]?.[0])).toContain('kaput');
    const good = new FakeExchange('GET', '/ok');
    connection.exchanges.next(good);
    expect((await good.response).status).toBe(200);
    client.destroy();
  });

  it('turns a rejected promise into a 500', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { connect } = await start(async () => Promise.reject(new Error('async kaput')));
    const { client, connection } = await connect();
    const ex = new FakeExchange('POST', '/');
    connection.exchanges.next(ex);
    expect((await ex.response).status).toBe(500);
    client.destroy();
  });

  it('answers HEAD without a body (RFC 9110 §9.3.2)', async () => {
    const { connect } = await start(() => new Response('would be the body'));
    const { client, connection } = await connect();
    const ex = new FakeExchange('HEAD', '/');
    connection.exchanges.next(ex);
    const r = await ex.response;
    expect(r.status).toBe(200);
    expect(r.body).toBeUndefined();
    client.destroy();
  });

  it('passes trailers set with withTrailers to the exchange (RFC 9113 §8.1)', async () => {
    const { connect } = await start(() => withTrailers(new Response('m'), { 'grpc-status': '0' }));
    const { client, connection } = await connect();
    const ex = new FakeExchange('POST', '/svc/Echo');
    connection.exchanges.next(ex);
    const r = await ex.response;
    expect(await r.trailers).toEqual([{ name: 'grpc-status', value: '0' }]);
    client.destroy();
  });

  it('keeps other connections serving when one connection fails', async () => {
    const { connect } = await start(() => new Response('ok'));
    const a = await connect();
    const b = await connect();
    a.connection.exchanges.error(new Error('PROTOCOL_ERROR'));
    const ex = new FakeExchange('GET', '/');
    b.connection.exchanges.next(ex);
    expect((await ex.response).status).toBe(200);
    a.client.destroy();
    b.client.destroy();
  });

  it('rethrows an onConnectionError that throws on a later turn, as an uncaught error, and still drops the connection', async () => {
    const hookFailure = new Error('the hook failed');
    const { connect } = await start(() => new Response('ok'), {
      onConnectionError: () => {
        throw hookFailure;
      },
    });
    const { client, connection } = await connect();
    const clientClosed = new Promise((resolve) => client.once('close', resolve));
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      connection.exchanges.error(new Error('PROTOCOL_ERROR'));
      // Not thrown into the HTTP/2 stack that reported the error: scheduled, then thrown.
      expect(vi.getTimerCount()).toBe(1);
      expect(() => vi.runOnlyPendingTimers()).toThrow(hookFailure);
    } finally {
      vi.useRealTimers();
    }
    await clientClosed;
  });

  it('passes idle and keepalive settings and a gracefulClose signal to the HTTP/2 stack', async () => {
    const { connect } = await start(() => new Response('ok'));
    const { client, connection } = await connect();
    expect(connection.options.idleTimeoutMs).toBe(300_000);
    expect(connection.options.keepaliveIntervalMs).toBe(0);
    let goaway = false;
    connection.options.gracefulClose?.subscribe(() => {
      goaway = true;
    });
    const closing = (server as Server).close(5_000);
    expect(goaway).toBe(true);
    // The connection finishes its streams and ends: then the server is closed.
    connection.exchanges.complete();
    await closing;
    server = undefined;
    client.destroy();
  });

  it('cuts connections still open when the graceful timeout expires', async () => {
    const { connect } = await start(() => new Response('ok'));
    const { client } = await connect();
    const closedClient = new Promise((resolve) => client.once('close', resolve));
    await (server as Server).close(20);
    server = undefined;
    await closedClient;
    expect(client.destroyed).toBe(true);
  });

  it('answers 500 and reports once when the stack refuses the handler’s response (RFC 9113 §8.2.2)', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { connect } = await start(() => new Response('fine'));
    const { client, connection } = await connect();
    const ex = new RefusingExchange(1, 'GET', '/refused');
    connection.exchanges.next(ex);
    expect((await ex.response).status).toBe(500);
    expect(ex.attempts).toEqual([200, 500]);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]?.join(' ')).toContain('GET /refused');
    client.destroy();
  });

  it('cancels the body of a refused response, and a body whose cancel fails changes nothing: still a 500', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const cancelled: unknown[] = [];
    const { connect } = await start(
      () =>
        new Response(
          new ReadableStream({
            cancel(reason) {
              cancelled.push(reason);
              throw new Error('the source failed to cancel');
            },
          }),
        ),
    );
    const { client, connection } = await connect();
    const ex = new RefusingExchange(1, 'GET', '/');
    connection.exchanges.next(ex);
    expect((await ex.response).status).toBe(500);
    await vi.waitFor(() => expect(cancelled).toHaveLength(1));
    client.destroy();
  });

  it('resets the stream with INTERNAL_ERROR when even the 500 is refused', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { connect } = await start(() => new Response('fine'));
    const { client, connection } = await connect();
    const ex = new RefusingExchange(2, 'GET', '/');
    connection.exchanges.next(ex);
    await vi.waitFor(() => expect(ex.resets).toEqual(['INTERNAL_ERROR']));
    expect(ex.attempts).toEqual([200, 500]);
    client.destroy();
  });

  it('neither reports nor answers when the stream was reset before its response could go out', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { connect } = await start(() => new Response('fine'));
    const { client, connection } = await connect();
    const ex = new RefusingExchange(1, 'GET', '/');
    ex.abort.abort(new Error('RST_STREAM CANCEL'));
    connection.exchanges.next(ex);
    await vi.waitFor(() => expect(ex.attempts).toEqual([200]));
    await new Promise((r) => setTimeout(r, 20));
    expect(ex.attempts).toEqual([200]);
    expect(ex.resets).toEqual([]);
    expect(log).not.toHaveBeenCalled();
    client.destroy();
  });
});
