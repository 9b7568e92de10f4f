/**
 * Our client role against a scripted server on a real socket: the server is built from
 * h2-frames alone, so it can refuse, reset, GOAWAY and answer 1xx exactly when a test wants,
 * and every frame our client sends is asserted.
 */
import net from 'node:net';
import { type Frame, H2ProtocolError, type HeaderField } from '@h2tubes/h2-frames';
import { firstValueFrom, lastValueFrom, reduce } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClientSession, clientConnection, type StreamResetError } from '../src/index.js';
import type { ClientRequest, ClientResponse } from '../src/tubes/exchange-types.js';
import { closeAll, onClose, type RawServerPeer, rawServer, until } from './helpers/loopback.js';

afterEach(closeAll);

const get = (path: string, extra: Partial<ClientRequest> = {}): ClientRequest => ({
  method: 'GET',
  scheme: 'http',
  authority: 'x',
  path,
  ...extra,
});

async function connect(
  settings: { id: number; value: number }[] = [],
): Promise<{ session: ClientSession; server: RawServerPeer }> {
  const srv = await rawServer(settings);
  const socket = net.connect(srv.port, '127.0.0.1');
  const session = clientConnection(socket);
  onClose(() => socket.destroy());
  const server = await srv.nextPeer();
  // The client has applied our SETTINGS once it ACKed them.
  await until(() => server.frames.some((f) => f.type === 'SETTINGS' && f.ack));
  return { session, server };
}

const status = (s: number, extra: HeaderField[] = []): HeaderField[] => [
  { name: ':status', value: String(s) },
  ...extra,
];

const text = (res: ClientResponse): Promise<string> =>
  lastValueFrom(res.body.chunks.pipe(reduce((acc, c) => acc + new TextDecoder().decode(c), '')));

const framesOn = (server: RawServerPeer, id: number, type: Frame['type']) =>
  server.frames.filter((f) => f.streamId === id && f.type === type);

describe('responses', () => {
  it('skips 1xx responses, emits the final one, and resolves trailers (RFC 9113 §8.1)', async () => {
    const { session, server } = await connect();
    const response = firstValueFrom(session.request(get('/')));
    await until(() => server.heads.has(1));
    server.send(
      server.headers(1, status(103, [{ name: 'link', value: '</a>' }]), false),
      server.headers(1, status(200), false),
      {
        type: 'DATA',
        streamId: 1,
        endStream: false,
        padLength: undefined,
        data: new TextEncoder().encode('hi'),
      },
      server.headers(1, [{ name: 'x-checksum', value: 'abc' }], true),
    );
    const res = await response;
    expect(res.status).toBe(200);
    expect(await text(res)).toBe('hi');
    expect(await res.trailers).toEqual([{ name: 'x-checksum', value: 'abc' }]);
  });

  it('a response HEADERS with END_STREAM gives an empty body and no trailers', async () => {
    const { session, server } = await connect();
    const response = firstValueFrom(session.request(get('/', { method: 'HEAD' })));
    await until(() => server.heads.has(1));
    server.send(server.headers(1, status(204), true));
    const res = await response;
    expect(res.status).toBe(204);
    expect(await text(res)).toBe('');
    expect(await res.trailers).toEqual([]);
  });
});

describe('empty DATA', () => {
  it('an empty DATA frame with END_STREAM ends the body without adding to it', async () => {
    const { session, server } = await connect();
    const response = firstValueFrom(session.request(get('/')));
    await until(() => server.heads.has(1));
    const data = (text: string, endStream: boolean): Frame => ({
      type: 'DATA',
      streamId: 1,
      endStream,
      padLength: undefined,
      data: new TextEncoder().encode(text),
    });
    server.send(server.headers(1, status(200), false), data('body', false), data('', true));
    const res = await response;
    expect(await text(res)).toBe('body');
    expect(await res.trailers).toEqual([]);
  });
});

describe('request bodies and trailers', () => {
  it('sends a body then trailers, ending the stream on the trailers', async () => {
    const { session, server } = await connect();
    session
      .request(get('/up', { method: 'POST', body: 'abc', trailers: [{ name: 'x-sum', value: '3' }] }))
      .subscribe({ error: () => {} });
    await until(() => (server.heads.get(1)?.length ?? 0) === 2);
    const data = framesOn(server, 1, 'DATA') as Array<Frame & { type: 'DATA' }>;
    expect(Buffer.concat(data.map((d) => d.data)).toString()).toBe('abc');
    expect(data.some((d) => d.endStream)).toBe(false);
    expect(server.heads.get(1)?.[1]).toEqual([{ name: 'x-sum', value: '3' }]);
    expect(framesOn(server, 1, 'HEADERS').map((h) => (h as { endStream: boolean }).endStream)).toEqual([
      false,
      true,
    ]);
  });

  it('sends trailers alone when there is no body', async () => {
    const { session, server } = await connect();
    session
      .request(get('/t', { method: 'POST', trailers: Promise.resolve([{ name: 'x-t', value: '1' }]) }))
      .subscribe({ error: () => {} });
    await until(() => (server.heads.get(1)?.length ?? 0) === 2);
    expect(framesOn(server, 1, 'DATA')).toEqual([]);
    expect(server.heads.get(1)?.[1]).toEqual([{ name: 'x-t', value: '1' }]);
  });

  it('sends :protocol for RFC 8441 extended CONNECT when the server allows it', async () => {
    const { session, server } = await connect([{ id: 0x8, value: 1 }]);
    session
      .request(get('/chat', { method: 'CONNECT', protocol: 'websocket', body: 'x' }))
      .subscribe({ error: () => {} });
    await until(() => server.heads.has(1));
    expect(server.heads.get(1)?.[0]).toContainEqual({ name: ':protocol', value: 'websocket' });
  });
});

describe('refusals and GOAWAY (RFC 9113 §8.7)', () => {
  it('a request refused with REFUSED_STREAM is sent again on a new stream and answered there', async () => {
    const { session, server } = await connect();
    const response = firstValueFrom(session.request(get('/again')));
    await until(() => server.heads.has(1));
    server.send({ type: 'RST_STREAM', streamId: 1, errorCode: 'REFUSED_STREAM' });
    await until(() => server.heads.has(3));
    expect(server.heads.get(3)?.[0]).toContainEqual({ name: ':path', value: '/again' });
    server.send(server.headers(3, status(200), true));
    expect((await response).status).toBe(200);
  });

  it('requests above a GOAWAY last-stream-id fail as retryable; the ones below it finish', async () => {
    const { session, server } = await connect();
    const first = firstValueFrom(session.request(get('/1')));
    const second = firstValueFrom(session.request(get('/2')));
    await until(() => server.heads.has(3));
    server.send({
      type: 'GOAWAY',
      streamId: 0,
      lastStreamId: 1,
      errorCode: 'NO_ERROR',
      debugData: new Uint8Array(0),
    });
    const err = (await second.catch((e: unknown) => e)) as StreamResetError;
    expect(H2ProtocolError.is(err)).toBe(true);
    expect(err.retryable).toBe(true);
    expect(session.accepting).toBe(false);
    server.send(server.headers(1, status(200), true));
    expect((await first).status).toBe(200);
  });

  it('a reset by the server fails the request with its code, not retryable', async () => {
    const { session, server } = await connect();
    const response = firstValueFrom(session.request(get('/')));
    await until(() => server.heads.has(1));
    server.send({ type: 'RST_STREAM', streamId: 1, errorCode: 'INTERNAL_ERROR' });
    const err = (await response.catch((e: unknown) => e)) as StreamResetError;
    expect(err).toMatchObject({ code: 'INTERNAL_ERROR', retryable: false });
  });
});

describe('cancellation', () => {
  it('an AbortSignal resets the stream with CANCEL and fails the request with its reason', async () => {
    const { session, server } = await connect();
    const controller = new AbortController();
    const response = firstValueFrom(session.request(get('/', { signal: controller.signal })));
    await until(() => server.heads.has(1));
    controller.abort(new Error('user gave up'));
    await expect(response).rejects.toThrow('user gave up');
    await until(() => framesOn(server, 1, 'RST_STREAM').length > 0);
    expect(framesOn(server, 1, 'RST_STREAM')).toEqual([
      { type: 'RST_STREAM', streamId: 1, errorCode: 'CANCEL' },
    ]);
    // DATA the server had in flight is dropped but its connection credit still comes back.
    const data = (endStream: boolean): Frame => ({
      type: 'DATA',
      streamId: 1,
      endStream,
      padLength: undefined,
      data: new Uint8Array(16_000),
    });
    server.send(server.headers(1, status(200), false), data(false), data(false), data(true));
    const next = firstValueFrom(session.request(get('/next')));
    await until(() => server.heads.has(3));
    server.send(server.headers(3, status(200), true));
    expect((await next).status).toBe(200);
  });

  it('unsubscribing before the response resets the stream with CANCEL', async () => {
    const { session, server } = await connect();
    const sub = session.request(get('/')).subscribe();
    await until(() => server.heads.has(1));
    sub.unsubscribe();
    await until(() => framesOn(server, 1, 'RST_STREAM').length > 0);
    expect(framesOn(server, 1, 'RST_STREAM')).toEqual([
      { type: 'RST_STREAM', streamId: 1, errorCode: 'CANCEL' },
    ]);
  });
});

describe('cancellation once the response has arrived', () => {
  const chunk = (id: number, endStream = false): Frame => ({
    type: 'DATA',
    streamId: id,
    endStream,
    padLength: undefined,
    data: new TextEncoder().encode('part'),
  });

  it('the signal still aborts: RST_STREAM CANCEL, and the body fails with its reason', async () => {
    const { session, server } = await connect();
    const controller = new AbortController();
    const response = firstValueFrom(session.request(get('/', { signal: controller.signal })));
    await until(() => server.heads.has(1));
    server.send(server.headers(1, status(200), false), chunk(1));
    const res = await response;
    controller.abort(new Error('reader left'));
    await expect(text(res)).rejects.toThrow('reader left');
    await until(() => framesOn(server, 1, 'RST_STREAM').length > 0);
    expect(framesOn(server, 1, 'RST_STREAM')).toEqual([
      { type: 'RST_STREAM', streamId: 1, errorCode: 'CANCEL' },
    ]);
  });

  it('a signal aborted before the request fails it without sending anything', async () => {
    const { session, server } = await connect();
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(firstValueFrom(session.request(get('/', { signal: controller.signal })))).rejects.toThrow(
      'too late',
    );
    expect(server.heads.size).toBe(0);
  });

  it('leaving the body mid-way resets the stream with CANCEL; aborting afterwards sends nothing more', async () => {
    const { session, server } = await connect();
    const controller = new AbortController();
    const response = firstValueFrom(session.request(get('/', { signal: controller.signal })));
    await until(() => server.heads.has(1));
    server.send(server.headers(1, status(200), false), chunk(1), chunk(1));
    const res = await response;
    const sub = res.body.chunks.subscribe();
    sub.unsubscribe();
    await until(() => framesOn(server, 1, 'RST_STREAM').length > 0);
    controller.abort();
    server.send(chunk(1, true)); // in flight before our reset: credited, ignored
    const next = firstValueFrom(session.request(get('/next')));
    await until(() => server.heads.has(3));
    server.send(server.headers(3, status(204), true));
    expect((await next).status).toBe(204);
    expect(framesOn(server, 1, 'RST_STREAM')).toEqual([
      { type: 'RST_STREAM', streamId: 1, errorCode: 'CANCEL' },
    ]);
  });

  it('a body read to its end resets nothing, and the signal no longer matters', async () => {
    const { session, server } = await connect();
    const controller = new AbortController();
    const response = firstValueFrom(session.request(get('/', { signal: controller.signal })));
    await until(() => server.heads.has(1));
    server.send(server.headers(1, status(200), false), chunk(1, true));
    expect(await text(await response)).toBe('part');
    controller.abort();
    const next = firstValueFrom(session.request(get('/next')));
    await until(() => server.heads.has(3));
    server.send(server.headers(3, status(204), true));
    await next;
    expect(server.frames.filter((f) => f.type === 'RST_STREAM')).toEqual([]);
  });
});

describe('connection end', () => {
  it('close() sends one GOAWAY with last-stream-id 0; open requests finish, then the connection ends (RFC 9113 §6.8)', async () => {
    const { session, server } = await connect();
    const response = firstValueFrom(session.request(get('/')));
    await until(() => server.heads.has(1));
    session.close();
    await until(() => server.frames.some((f) => f.type === 'GOAWAY'));
    expect(server.frames.filter((f) => f.type === 'GOAWAY' || f.type === 'PING')).toEqual([
      expect.objectContaining({ type: 'GOAWAY', streamId: 0, lastStreamId: 0, errorCode: 'NO_ERROR' }),
    ]);
    server.send(server.headers(1, status(200), true));
    expect((await response).status).toBe(200);
    await session.closed;
  });

  it('abort() sends GOAWAY with the code and debug text; later requests fail at once', async () => {
    const { session, server } = await connect();
    session.abort('ENHANCE_YOUR_CALM', 'bye');
    await until(() => server.frames.some((f) => f.type === 'GOAWAY'));
    const goaway = server.frames.find((f) => f.type === 'GOAWAY') as Frame & { type: 'GOAWAY' };
    expect(goaway.errorCode).toBe('ENHANCE_YOUR_CALM');
    expect(Buffer.from(goaway.debugData).toString()).toBe('bye');
    await session.closed;
    await expect(firstValueFrom(session.request(get('/late')))).rejects.toThrow();
  });

  it('a connection that drops fails pending requests and the body being received', async () => {
    const { session, server } = await connect();
    const pending = firstValueFrom(session.request(get('/never')));
    const streaming = firstValueFrom(session.request(get('/half')));
    await until(() => server.heads.has(3));
    server.send(server.headers(3, status(200), false), {
      type: 'DATA',
      streamId: 3,
      endStream: false,
      padLength: undefined,
      data: new TextEncoder().encode('part'),
    });
    const res = await streaming;
    server.socket.destroy();
    await expect(pending).rejects.toBeInstanceOf(Error);
    await expect(text(res)).rejects.toBeInstanceOf(Error);
    await session.closed;
  });
});
