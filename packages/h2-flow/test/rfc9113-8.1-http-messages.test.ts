import { H2UsageError } from '@h2tubes/h2-frames';
import { describe, expect, it } from 'vitest';
import { frames, GET, Harness, SETTINGS, status, summary } from './helpers/frames.js';

const server = () => Harness.ready({ role: 'server' });
const client = (peer: Record<number, number> = {}) => Harness.ready({ role: 'client' }, peer);

describe('RFC 9113 §8.1 server side', () => {
  it('a malformed request resets its own stream only (§8.1.1)', () => {
    const h = server();
    h.send(frames.headers(1).request('GET', '/').endStream());
    h.send(
      frames
        .headers(3)
        .raw([{ name: ':method', value: 'GET' }])
        .endStream(),
    );
    expect(summary(h.take())).toEqual(['RST_STREAM 3 PROTOCOL_ERROR']);
    expect(h.conn.respond(1, status(200), { endStream: true })).toBe(true);
    expect(h.conn.isClosed).toBe(false);
  });

  const malformed: [string, Record<string, string>][] = [
    ['a connection-specific field', { connection: 'close' }],
    ['te other than trailers', { te: 'gzip' }],
    ['an uppercase field name', { Accept: '*/*' }],
    ['an invalid content-length', { 'content-length': 'x' }],
  ];
  for (const [what, extra] of malformed) {
    it(`a request with ${what} ⇒ RST_STREAM PROTOCOL_ERROR (§8.2.2)`, () => {
      const h = server();
      h.send(frames.headers(1).request('GET', '/', extra).endStream());
      expect(summary(h.take())).toEqual(['RST_STREAM 1 PROTOCOL_ERROR']);
      expect(h.eventsOf('streamReset')).toEqual([]);
    });
  }

  it('DATA beyond content-length ⇒ RST_STREAM PROTOCOL_ERROR (§8.1.1)', () => {
    const h = server();
    h.send(frames.headers(1).request('POST', '/', { 'content-length': '5' }), frames.data(1, 6));
    expect(summary(h.take())).toEqual(['RST_STREAM 1 PROTOCOL_ERROR']);
  });

  it('END_STREAM before content-length is reached ⇒ RST_STREAM PROTOCOL_ERROR (§8.1.1)', () => {
    const h = server();
    h.send(
      frames.headers(1).request('POST', '/', { 'content-length': '5' }),
      frames.data(1, 4, { endStream: true }),
    );
    expect(summary(h.take())).toEqual(['RST_STREAM 1 PROTOCOL_ERROR']);
  });

  it('HEADERS with END_STREAM and a positive content-length ⇒ RST_STREAM PROTOCOL_ERROR (§8.1.1)', () => {
    const h = server();
    h.send(frames.headers(1).request('POST', '/', { 'content-length': '5' }).endStream());
    expect(summary(h.take())).toEqual(['RST_STREAM 1 PROTOCOL_ERROR']);
  });

  it('a body matching content-length is delivered with endStream', () => {
    const h = server();
    h.send(
      frames.headers(1).request('POST', '/', { 'content-length': '5' }),
      frames.data(1, 2),
      frames.data(1, 3, { endStream: true }),
    );
    expect(h.eventsOf('dataReceived').map((e) => [e.data.length, e.endStream])).toEqual([
      [2, false],
      [3, true],
    ]);
  });

  it('trailers end the stream and carry no pseudo-headers (§8.1)', () => {
    const h = server();
    h.send(
      frames.headers(1).request('POST', '/'),
      frames.data(1, 3),
      frames.headers(1).add({ 'x-sum': 'abc' }).endStream(),
    );
    expect(h.eventsOf('trailersReceived')).toEqual([
      { kind: 'trailersReceived', streamId: 1, fields: [{ name: 'x-sum', value: 'abc' }] },
    ]);
    h.send(
      frames.headers(3).request('POST', '/'),
      frames
        .headers(3)
        .raw([{ name: ':path', value: '/' }])
        .endStream(),
    );
    expect(summary(h.take())).toEqual(['RST_STREAM 3 PROTOCOL_ERROR']);
  });

  it('a second HEADERS without END_STREAM ⇒ RST_STREAM PROTOCOL_ERROR (§8.1)', () => {
    const h = server();
    h.send(frames.headers(1).request('POST', '/'), frames.headers(1).add({ a: 'b' }));
    expect(summary(h.take())).toEqual(['RST_STREAM 1 PROTOCOL_ERROR']);
  });

  it('trailers before content-length is reached ⇒ RST_STREAM PROTOCOL_ERROR (§8.1.1)', () => {
    const h = server();
    h.send(
      frames.headers(1).request('POST', '/', { 'content-length': '9' }),
      frames.data(1, 3),
      frames.headers(1).add({ a: 'b' }).endStream(),
    );
    expect(summary(h.take())).toEqual(['RST_STREAM 1 PROTOCOL_ERROR']);
  });

  it('several 1xx responses before the final one, then body and trailers', () => {
    const h = server();
    h.send(frames.headers(1).request('GET', '/').endStream());
    h.conn.sendInformational(1, status(103, [{ name: 'link', value: '</a>' }]));
    h.conn.sendInformational(1, status(103));
    h.conn.respond(1, status(200));
    h.conn.sendData(1, new Uint8Array(4));
    h.conn.sendTrailers(1, [{ name: 'x-done', value: '1' }]);
    h.conn.flush(1 << 20);
    expect(summary(h.take())).toEqual(['HEADERS 1', 'HEADERS 1', 'HEADERS 1', 'DATA 1 4', 'HEADERS 1 ES']);
    expect(h.eventsOf('streamEnded')).toHaveLength(1);
  });

  it('HEAD, 204 and 304 responses cannot carry a body (RFC 9110 §6.4.1)', () => {
    const h = server();
    h.send(
      frames.headers(1).request('HEAD', '/').endStream(),
      frames.headers(3).request('GET', '/').endStream(),
    );
    h.conn.respond(1, status(200, [{ name: 'content-length', value: '10' }]));
    expect(() => h.conn.sendData(1, new Uint8Array(1))).toThrow(H2UsageError);
    h.conn.sendData(1, new Uint8Array(0), true);
    h.conn.respond(3, status(304));
    expect(() => h.conn.sendData(3, new Uint8Array(1))).toThrow(H2UsageError);
    expect(summary(h.take())).toEqual(['HEADERS 1', 'DATA 1 0 ES', 'HEADERS 3']);
  });

  it('API misuse throws H2UsageError and writes nothing', () => {
    const h = server();
    h.send(frames.headers(1).request('POST', '/'));
    h.take();
    expect(() => h.conn.sendData(1, new Uint8Array(1))).toThrow(/no final header/);
    expect(() => h.conn.respond(1, status(103))).toThrow(H2UsageError);
    expect(() => h.conn.sendInformational(1, status(101))).toThrow(H2UsageError);
    expect(() => h.conn.respond(1, [{ name: 'x', value: '1' }])).toThrow(/missing :status/);
    expect(() => h.conn.respond(99, status(200))).toThrow(/unknown stream/);
    expect(() => h.conn.request(GET())).toThrow(/client role/);
    h.conn.respond(1, status(200));
    expect(() => h.conn.respond(1, status(200))).toThrow(/already has/);
    expect(() => h.conn.sendTrailers(1, [{ name: ':status', value: '200' }])).toThrow(/pseudo-header/);
    h.conn.sendData(1, new Uint8Array(0), true);
    expect(() => h.conn.sendData(1, new Uint8Array(1))).toThrow(/already ended/);
    expect(summary(h.take())).toEqual(['HEADERS 1', 'DATA 1 0 ES']);
  });

  it('calls on a stream the peer reset return false instead of throwing', () => {
    const h = server();
    h.send(frames.headers(1).request('GET', '/').endStream(), frames.rst(1));
    expect(h.conn.respond(1, status(200))).toBe(false);
    expect(h.conn.sendData(1, new Uint8Array(1))).toBe(false);
    expect(h.conn.sendTrailers(1, [])).toBe(false);
    expect(h.conn.sendInformational(1, status(100))).toBe(false);
    expect(h.conn.resetStream(1)).toBe(false);
  });

  it("a response over the client's advisory SETTINGS_MAX_HEADER_LIST_SIZE is sent anyway (§6.5.2)", () => {
    const h = Harness.ready({ role: 'server' }, { [SETTINGS.MAX_HEADER_LIST_SIZE]: 100 });
    h.send(frames.headers(1).request('GET', '/').endStream());
    h.take();
    expect(
      h.conn.respond(1, status(200, [{ name: 'x-big', value: 'v'.repeat(100) }]), { endStream: true }),
    ).toBe(true);
    expect(summary(h.take())).toEqual(['HEADERS 1 ES']);
  });
});

describe('RFC 9113 §8.1 client side', () => {
  it("a request over the server's SETTINGS_MAX_HEADER_LIST_SIZE fails locally, nothing is sent (§6.5.2)", () => {
    const h = Harness.ready({ role: 'client' }, { [SETTINGS.MAX_HEADER_LIST_SIZE]: 100 });
    expect(() =>
      h.conn.request([...GET(), { name: 'x-big', value: 'v'.repeat(100) }], { endStream: true }),
    ).toThrow(/MAX_HEADER_LIST_SIZE/);
    expect(h.take()).toEqual([]);
  });

  it('several 1xx responses, then the final response (§8.1)', () => {
    const h = client();
    h.conn.request(GET(), { endStream: true });
    h.send(
      frames.headers(1).response(100),
      frames.headers(1).response(103),
      frames.headers(1).response(200),
      frames.data(1, 2, { endStream: true }),
    );
    expect(h.eventsOf('responseReceived').map((e) => [e.status, e.informational])).toEqual([
      [100, true],
      [103, true],
      [200, false],
    ]);
  });

  it('a 1xx with END_STREAM ⇒ RST_STREAM PROTOCOL_ERROR (§8.1)', () => {
    const h = client();
    h.conn.request(GET(), { endStream: true });
    h.take();
    h.send(frames.headers(1).response(100).endStream());
    expect(summary(h.take())).toEqual(['RST_STREAM 1 PROTOCOL_ERROR']);
  });

  it('DATA before the final response ⇒ RST_STREAM PROTOCOL_ERROR (§8.1)', () => {
    const h = client();
    h.conn.request(GET(), { endStream: true });
    h.take();
    h.send(frames.headers(1).response(103), frames.data(1, 1));
    expect(summary(h.take())).toEqual(['RST_STREAM 1 PROTOCOL_ERROR']);
  });

  it('a response without :status ⇒ RST_STREAM PROTOCOL_ERROR (§8.3.2)', () => {
    const h = client();
    h.conn.request(GET(), { endStream: true });
    h.take();
    h.send(frames.headers(1).add({ a: 'b' }));
    expect(summary(h.take())).toEqual(['RST_STREAM 1 PROTOCOL_ERROR']);
  });

  it('a HEAD response may announce content-length without DATA (§8.1.1)', () => {
    const h = client();
    h.conn.request([{ name: ':method', value: 'HEAD' }, ...GET().slice(1)], { endStream: true });
    h.take();
    h.send(frames.headers(1).response(200, { 'content-length': '100' }).endStream());
    expect(h.take()).toEqual([]);
    expect(h.eventsOf('streamEnded')).toHaveLength(1);
  });

  it('a 204 response with DATA ⇒ RST_STREAM PROTOCOL_ERROR', () => {
    const h = client();
    h.conn.request(GET(), { endStream: true });
    h.take();
    h.send(frames.headers(1).response(204), frames.data(1, 1));
    expect(summary(h.take())).toEqual(['RST_STREAM 1 PROTOCOL_ERROR']);
  });

  it('a response END_STREAM with a positive content-length ⇒ RST_STREAM PROTOCOL_ERROR', () => {
    const h = client();
    h.conn.request(GET(), { endStream: true });
    h.take();
    h.send(frames.headers(1).response(200, { 'content-length': '3' }).endStream());
    expect(summary(h.take())).toEqual(['RST_STREAM 1 PROTOCOL_ERROR']);
  });

  it('response trailers end the stream', () => {
    const h = client();
    h.conn.request(GET(), { endStream: true });
    h.send(
      frames.headers(1).response(200),
      frames.data(1, 2),
      frames.headers(1).add({ 'grpc-status': '0' }).endStream(),
    );
    expect(h.eventsOf('trailersReceived')).toHaveLength(1);
  });

  it('an oversized response header list ⇒ RST_STREAM CANCEL and limitExceeded', () => {
    const h = client();
    h.conn.request(GET(), { endStream: true });
    h.take();
    h.send(frames.headers(1).response(200).oversized());
    expect(summary(h.take())).toEqual(['RST_STREAM 1 CANCEL']);
    expect(h.eventsOf('limitExceeded')).toEqual([
      { kind: 'limitExceeded', limit: 'headerListSize', streamId: 1 },
    ]);
  });

  it('a malformed request is a usage error (§8.3.1)', () => {
    const h = client();
    expect(() => h.conn.request([{ name: ':method', value: 'GET' }])).toThrow(/missing :scheme/);
    expect(() => h.conn.request([...GET(), { name: ':status', value: '200' }])).toThrow(H2UsageError);
  });

  it('the client resets a stream and ignores its late frames', () => {
    const h = client();
    const id = h.conn.request(GET(), { endStream: true });
    h.conn.resetStream(id);
    h.take();
    h.send(frames.headers(1).response(200), frames.data(1, 3));
    expect(h.goaway()).toBeUndefined();
  });
});
