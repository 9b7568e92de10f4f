import { describe, expect, it } from 'vitest';
import { frames, GET, Harness, status, summary } from './helpers/frames.js';

const server = () => Harness.ready({ role: 'server' });

describe('RFC 9113 §5.1 stream states on a live connection', () => {
  it('HEADERS opens a stream: requestReceived with the parsed pseudo-headers (§5.1, §8.3.1)', () => {
    const h = server();
    h.send(frames.headers(1).request('GET', '/a', { accept: '*/*' }).endStream());
    const [e] = h.eventsOf('requestReceived');
    expect(e).toMatchObject({
      streamId: 1,
      endStream: true,
      head: { method: 'GET', scheme: 'https', authority: 'example.com', path: '/a', contentLength: -1 },
    });
    expect(h.conn.activeStreams).toBe(1);
  });

  it('a full exchange closes the stream: streamEnded once both sides sent END_STREAM', () => {
    const h = server();
    h.send(frames.headers(1).request('GET', '/').endStream());
    h.events();
    h.conn.respond(1, status(200), { endStream: true });
    expect(summary(h.take())).toEqual(['HEADERS 1 ES']);
    expect(h.eventsOf('streamEnded')).toEqual([{ kind: 'streamEnded', streamId: 1 }]);
    expect(h.conn.activeStreams).toBe(0);
  });

  it('RST_STREAM on an idle stream is a connection error PROTOCOL_ERROR (§5.1 idle)', () => {
    const h = server();
    h.send(frames.rst(5));
    expect(h.goaway()).toEqual({ lastStreamId: 0, errorCode: 'PROTOCOL_ERROR' });
  });

  it('WINDOW_UPDATE on an idle stream is a connection error PROTOCOL_ERROR (§5.1 idle)', () => {
    const h = server();
    h.send(frames.windowUpdate(3, 10));
    expect(h.goaway()?.errorCode).toBe('PROTOCOL_ERROR');
  });

  it('DATA on an idle stream is a connection error PROTOCOL_ERROR (§5.1 idle)', () => {
    const h = server();
    h.send(frames.data(1, 3));
    expect(h.goaway()?.errorCode).toBe('PROTOCOL_ERROR');
  });

  it('frames on stream 0 that need a stream are connection errors PROTOCOL_ERROR (§6.1-§6.4)', () => {
    for (const f of [
      frames.data(0, 1),
      frames.headers(0).request('GET', '/').build(),
      frames.rst(0),
      frames.priority(0, 1),
    ]) {
      const h = server();
      h.send(f);
      expect(h.goaway()?.errorCode).toBe('PROTOCOL_ERROR');
    }
  });

  it('a client-initiated stream must use an odd id: even ⇒ PROTOCOL_ERROR (§5.1.1)', () => {
    const h = server();
    h.send(frames.headers(2).request('GET', '/').endStream());
    expect(h.goaway()?.errorCode).toBe('PROTOCOL_ERROR');
  });

  it('opening stream 5 closes idle stream 3: HEADERS on 3 afterwards ⇒ PROTOCOL_ERROR (§5.1.1)', () => {
    const h = server();
    h.send(frames.headers(5).request('GET', '/').endStream());
    h.send(frames.headers(3).request('GET', '/').endStream());
    expect(h.goaway()).toEqual({ lastStreamId: 5, errorCode: 'PROTOCOL_ERROR' });
  });

  it('DATA on half-closed (remote) ⇒ stream error STREAM_CLOSED, other streams unaffected (§5.1)', () => {
    const h = server();
    h.send(
      frames.headers(1).request('GET', '/').endStream(),
      frames.headers(3).request('GET', '/').endStream(),
    );
    h.take();
    h.events();
    h.send(frames.data(1, 10));
    expect(summary(h.take())).toEqual(['RST_STREAM 1 STREAM_CLOSED']);
    expect(h.eventsOf('streamReset')[0]).toMatchObject({ streamId: 1, code: 'STREAM_CLOSED', by: 'local' });
    expect(h.conn.respond(3, status(200), { endStream: true })).toBe(true);
  });

  it('DATA on half-closed (remote) still returns the connection credit', () => {
    const h = Harness.ready({ role: 'server', connectionWindowSize: 65_535 });
    h.send(frames.headers(1).request('GET', '/').endStream());
    h.send(frames.data(1, 40_000));
    expect(summary(h.take())).toEqual(['WINDOW_UPDATE 0 40000', 'RST_STREAM 1 STREAM_CLOSED']);
  });

  it('frames after END_STREAM both ways ⇒ connection error STREAM_CLOSED (§5.1 closed)', () => {
    const h = server();
    h.send(frames.headers(1).request('GET', '/').endStream());
    h.conn.respond(1, status(204), { endStream: true });
    h.take();
    h.send(frames.data(1, 1));
    expect(h.goaway()).toEqual({ lastStreamId: 1, errorCode: 'STREAM_CLOSED' });
  });

  it('WINDOW_UPDATE and RST_STREAM after END_STREAM are tolerated (§5.1 closed)', () => {
    const h = server();
    h.send(frames.headers(1).request('GET', '/').endStream());
    h.conn.respond(1, status(204), { endStream: true });
    h.take();
    h.send(frames.windowUpdate(1, 100), frames.rst(1, 'NO_ERROR'));
    expect(h.take()).toEqual([]);
  });

  it('frames on a stream we reset are ignored for a while (§5.1 closed)', () => {
    const h = server();
    h.send(frames.headers(1).request('POST', '/'));
    h.conn.resetStream(1, 'CANCEL');
    expect(summary(h.take())).toEqual(['RST_STREAM 1 CANCEL']);
    h.send(frames.data(1, 100), frames.headers(1).add({ 'x-t': '1' }).endStream(), frames.windowUpdate(1, 5));
    expect(h.goaway()).toBeUndefined();
  });

  it('after the grace period, DATA on a stream we reset ⇒ stream error STREAM_CLOSED (§6.1)', () => {
    const h = Harness.ready({ role: 'server', resetGraceMs: 1000 });
    h.send(frames.headers(1).request('POST', '/'));
    h.conn.resetStream(1);
    h.take();
    h.now = 2000;
    h.send(frames.data(1, 1));
    expect(summary(h.take())).toEqual(['RST_STREAM 1 STREAM_CLOSED']);
  });

  it('frames after the peer reset a stream ⇒ stream error STREAM_CLOSED (§5.1 closed)', () => {
    const h = server();
    h.send(frames.headers(1).request('POST', '/'), frames.rst(1, 'CANCEL'));
    h.take();
    expect(h.eventsOf('streamReset').map((e) => [e.streamId, e.code, e.by])).toEqual([
      [1, 'CANCEL', 'remote'],
    ]);
    h.send(frames.windowUpdate(1, 1));
    expect(summary(h.take())).toEqual(['RST_STREAM 1 STREAM_CLOSED']);
    h.send(frames.rst(1));
    expect(h.take()).toEqual([]);
  });

  it('PRIORITY is allowed in every state, including idle (§5.1)', () => {
    const h = server();
    h.send(frames.priority(9, 1), frames.headers(1).request('GET', '/').endStream(), frames.priority(1, 3));
    expect(h.take()).toEqual([]);
  });

  it('a stream depending on itself ⇒ stream error PROTOCOL_ERROR (§5.3.1)', () => {
    const h = server();
    h.send(frames.headers(1).request('GET', '/').endStream().dependsOn(1));
    expect(summary(h.take())).toEqual(['RST_STREAM 1 PROTOCOL_ERROR']);
    h.send(frames.headers(3).request('GET', '/'), frames.priority(3, 3));
    expect(summary(h.take())).toEqual(['RST_STREAM 3 PROTOCOL_ERROR']);
    h.send(frames.headers(5).request('GET', '/'), frames.headers(5).add({ a: 'b' }).endStream().dependsOn(5));
    expect(summary(h.take())).toEqual(['RST_STREAM 5 PROTOCOL_ERROR']);
  });

  it('unknown frame types are ignored (§5.5)', () => {
    const h = server();
    h.send(frames.unknown());
    expect(h.take()).toEqual([]);
    expect(h.conn.isClosed).toBe(false);
  });

  it('client: stream ids are odd and strictly increasing (§5.1.1)', () => {
    const h = Harness.ready({ role: 'client' });
    expect([h.conn.request(GET(), { endStream: true }), h.conn.request(GET(), { endStream: true })]).toEqual([
      1, 3,
    ]);
  });

  it('client: HEADERS on a server-initiated stream ⇒ PROTOCOL_ERROR (push is disabled, §8.4)', () => {
    const h = Harness.ready({ role: 'client' });
    h.send(frames.headers(2).response(200));
    expect(h.goaway()?.errorCode).toBe('PROTOCOL_ERROR');
  });

  it('client: PUSH_PROMISE ⇒ connection error PROTOCOL_ERROR (§6.6, §8.4)', () => {
    const h = Harness.ready({ role: 'client' });
    h.conn.request(GET(), { endStream: true });
    h.send(frames.headers(1).pushPromise().request('GET', '/pushed'));
    expect(h.goaway()?.errorCode).toBe('PROTOCOL_ERROR');
  });

  it('server: PUSH_PROMISE from a client ⇒ connection error PROTOCOL_ERROR (§8.4)', () => {
    const h = server();
    h.send(frames.headers(1).pushPromise().request('GET', '/'));
    expect(h.goaway()?.errorCode).toBe('PROTOCOL_ERROR');
  });

  it('HEADERS on a forgotten closed stream below the highest id ⇒ PROTOCOL_ERROR; DATA ⇒ STREAM_CLOSED', () => {
    const h = Harness.ready({ role: 'server', maxClosedStreams: 0 });
    h.send(frames.headers(1).request('GET', '/').endStream());
    h.conn.respond(1, status(204), { endStream: true });
    h.take();
    h.send(frames.data(1, 0));
    expect(summary(h.take())).toEqual(['RST_STREAM 1 STREAM_CLOSED']);
    h.send(frames.headers(1).request('GET', '/'));
    expect(h.goaway()?.errorCode).toBe('PROTOCOL_ERROR');
  });
});
