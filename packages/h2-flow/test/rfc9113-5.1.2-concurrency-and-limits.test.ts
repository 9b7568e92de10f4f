import { describe, expect, it } from 'vitest';
import { frames, GET, Harness, SETTINGS, status, summary } from './helpers/frames.js';

describe('RFC 9113 §5.1.2 SETTINGS_MAX_CONCURRENT_STREAMS', () => {
  it('server: a stream beyond our limit gets RST_STREAM REFUSED_STREAM and limitExceeded', () => {
    const h = Harness.ready({ role: 'server', maxConcurrentStreams: 2 });
    h.send(
      frames.headers(1).request('GET', '/').endStream(),
      frames.headers(3).request('GET', '/').endStream(),
    );
    h.events();
    h.send(frames.headers(5).request('GET', '/').endStream());
    expect(summary(h.take())).toEqual(['RST_STREAM 5 REFUSED_STREAM']);
    expect(h.events()).toEqual([{ kind: 'limitExceeded', limit: 'concurrentStreams', streamId: 5 }]);
    h.conn.respond(1, status(204), { endStream: true });
    h.send(frames.headers(7).request('GET', '/').endStream());
    expect(h.eventsOf('requestReceived').map((e) => e.streamId)).toEqual([7]);
  });

  it('client: requests beyond the peer limit wait for a slot instead of failing', () => {
    const h = Harness.ready({ role: 'client' }, { [SETTINGS.MAX_CONCURRENT_STREAMS]: 1 });
    expect(h.conn.request(GET('/a'), { endStream: true })).toBe(1);
    expect(h.conn.request(GET('/b'), { endStream: true })).toBe(3);
    expect(summary(h.take())).toEqual(['HEADERS 1 ES']);
    expect(h.eventsOf('requestSent').map((e) => e.streamId)).toEqual([1]);
    h.send(frames.headers(1).response(200).endStream());
    expect(summary(h.take())).toEqual(['HEADERS 3 ES']);
    expect(h.eventsOf('requestSent').map((e) => e.streamId)).toEqual([3]);
  });

  it('client: a queued request body is buffered and flows once the request is sent', () => {
    const h = Harness.ready({ role: 'client' }, { [SETTINGS.MAX_CONCURRENT_STREAMS]: 1 });
    h.conn.request(GET(), { endStream: true });
    const id = h.conn.request([{ name: ':method', value: 'POST' }, ...GET().slice(1)]);
    expect(h.conn.wantsData(id)).toBe(false);
    h.conn.sendData(id, new Uint8Array(5), true);
    h.conn.flush(1 << 20);
    h.take();
    h.send(frames.settings({ [SETTINGS.MAX_CONCURRENT_STREAMS]: 2 }));
    h.conn.flush(1 << 20);
    expect(summary(h.take())).toEqual(['SETTINGS ACK', 'HEADERS 3', 'DATA 3 5 ES']);
  });

  it('client: resetting a queued request drops it without a frame', () => {
    const h = Harness.ready({ role: 'client' }, { [SETTINGS.MAX_CONCURRENT_STREAMS]: 1 });
    h.conn.request(GET(), { endStream: true });
    const id = h.conn.request(GET(), { endStream: true });
    h.take();
    expect(h.conn.resetStream(id)).toBe(true);
    expect(h.take()).toEqual([]);
    h.send(frames.headers(1).response(200).endStream());
    expect(h.take()).toEqual([]);
  });

  it('client: frames on a queued (idle) stream ⇒ PROTOCOL_ERROR (§5.1 idle)', () => {
    const h = Harness.ready({ role: 'client' }, { [SETTINGS.MAX_CONCURRENT_STREAMS]: 1 });
    h.conn.request(GET(), { endStream: true });
    h.conn.request(GET(), { endStream: true });
    h.send(frames.headers(3).response(200));
    expect(h.goaway()?.errorCode).toBe('PROTOCOL_ERROR');
  });

  it('client: REFUSED_STREAM is retried on a new stream id (requestRetried), up to a bound', () => {
    const h = Harness.ready({ role: 'client', maxRefusedRetries: 1 });
    h.conn.request(GET(), { endStream: true });
    h.take();
    h.events();
    h.send(frames.rst(1, 'REFUSED_STREAM'));
    expect(summary(h.take())).toEqual(['HEADERS 3 ES']);
    expect(h.events().map((e) => e.kind)).toEqual(['requestRetried', 'requestSent', 'localEnded']);
    h.send(frames.rst(3, 'REFUSED_STREAM'));
    expect(h.eventsOf('streamReset')).toMatchObject([{ streamId: 3, retryable: true, by: 'remote' }]);
  });

  it('client: a refused request with a pending body carries the body to the retry', () => {
    const h = Harness.ready({ role: 'client' }, { [SETTINGS.INITIAL_WINDOW_SIZE]: 0 });
    const id = h.conn.request([{ name: ':method', value: 'POST' }, ...GET().slice(1)]);
    h.conn.sendData(id, new Uint8Array(10), true);
    h.conn.flush(1 << 20);
    h.take();
    h.send(frames.rst(1, 'REFUSED_STREAM'), frames.windowUpdate(3, 100));
    h.conn.flush(1 << 20);
    expect(summary(h.take())).toEqual(['HEADERS 3', 'DATA 3 10 ES']);
  });
});

describe('DoS limits (DESIGN.md "Limits and their defaults")', () => {
  it('header list over our limit: the server answers 431, then RST_STREAM NO_ERROR if the client still sends (§8.1)', () => {
    const h = Harness.ready({ role: 'server' });
    h.send(frames.headers(1).request('POST', '/').oversized());
    const fs = h.take();
    expect(summary(fs)).toEqual(['HEADERS 1 ES', 'RST_STREAM 1 NO_ERROR']);
    expect(fs[0]).toMatchObject({ fields: [{ name: ':status', value: '431' }] });
    expect(h.events()).toEqual([{ kind: 'limitExceeded', limit: 'headerListSize', streamId: 1 }]);
    h.send(frames.headers(3).request('GET', '/').oversized().endStream());
    expect(summary(h.take())).toEqual(['HEADERS 3 ES']);
  });

  it('rapid reset (CVE-2023-44487): streams opened then reset drain a bucket ⇒ GOAWAY ENHANCE_YOUR_CALM', () => {
    const h = Harness.ready({ role: 'server', rapidResetBurst: 3, rapidResetRefillPerSecond: 1 });
    for (const id of [1, 3, 5]) h.send(frames.headers(id).request('GET', '/'), frames.rst(id));
    expect(h.conn.isClosed).toBe(false);
    h.now = 1000; // one token back
    h.send(frames.headers(7).request('GET', '/'), frames.rst(7));
    expect(h.conn.isClosed).toBe(false);
    h.send(frames.headers(9).request('GET', '/'), frames.rst(9));
    expect(h.goaway()).toEqual({ lastStreamId: 9, errorCode: 'ENHANCE_YOUR_CALM' });
    expect(h.eventsOf('limitExceeded')).toEqual([
      { kind: 'limitExceeded', limit: 'rapidReset', streamId: 0 },
    ]);
  });

  it('queued control-frame answers over the limit ⇒ GOAWAY ENHANCE_YOUR_CALM; flushed() resets the count', () => {
    const h = Harness.ready({ role: 'server', maxQueuedControlFrames: 3 });
    h.conn.flushed(); // the SETTINGS ACK of the handshake
    h.now = 10_000; // the burst allowance refills a tenth of the bound per second (control-answers.ts)
    h.send(frames.ping(), frames.ping(), frames.ping());
    h.conn.flushed();
    h.now = 20_000;
    h.send(frames.ping(), frames.ping(), frames.ping());
    expect(h.conn.isClosed).toBe(false);
    h.send(frames.ping());
    expect(h.goaway()?.errorCode).toBe('ENHANCE_YOUR_CALM');
    expect(h.eventsOf('limitExceeded')[0]?.limit).toBe('queuedControlFrames');
    h.send(frames.ping());
    expect(h.take()).toEqual([]);
  });

  it('empty DATA frames without END_STREAM over 100 per stream ⇒ GOAWAY ENHANCE_YOUR_CALM', () => {
    const h = Harness.ready({ role: 'server' });
    h.send(frames.headers(1).request('POST', '/'));
    for (let i = 0; i < 100; i++) h.send(frames.data(1, 0));
    expect(h.conn.isClosed).toBe(false);
    h.send(frames.data(1, 0));
    expect(h.goaway()?.errorCode).toBe('ENHANCE_YOUR_CALM');
    expect(h.eventsOf('limitExceeded')).toEqual([
      { kind: 'limitExceeded', limit: 'emptyDataFrames', streamId: 1 },
    ]);
  });

  it('streams we reset for peer errors over the limit ⇒ GOAWAY ENHANCE_YOUR_CALM', () => {
    const h = Harness.ready({ role: 'server', maxLocalResets: 2 });
    for (const id of [1, 3])
      h.send(
        frames
          .headers(id)
          .raw([{ name: ':method', value: 'GET' }])
          .endStream(),
      );
    expect(h.conn.isClosed).toBe(false);
    h.send(
      frames
        .headers(5)
        .raw([{ name: ':method', value: 'GET' }])
        .endStream(),
    );
    expect(summary(h.take()).at(-1)).toBe('GOAWAY 5 ENHANCE_YOUR_CALM');
    expect(h.eventsOf('limitExceeded')[0]?.limit).toBe('localResets');
  });
});
