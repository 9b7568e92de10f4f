import { H2UsageError } from '@h2tubes/h2-frames';
import { describe, expect, it } from 'vitest';
import { frames, GET, Harness, status, summary } from './helpers/frames.js';

describe('RFC 9113 §6.7 PING', () => {
  it('a PING is answered with an ACK carrying the same payload (§6.7)', () => {
    const h = Harness.ready({ role: 'server' });
    const payload = new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2]);
    h.send(frames.ping(payload));
    const [ack] = h.take();
    expect(ack).toEqual({ type: 'PING', streamId: 0, ack: true, opaqueData: payload });
  });

  it('a PING ACK is never answered (§6.7)', () => {
    const h = Harness.ready({ role: 'server' });
    h.send(frames.ping(undefined, true));
    expect(h.take()).toEqual([]);
  });

  it('an application PING resolves with its round-trip time', () => {
    const h = Harness.ready({ role: 'client' });
    h.now = 100;
    const id = h.conn.ping(100);
    const [p] = h.take();
    h.now = 142;
    h.send({ ...(p as Extract<typeof p, { type: 'PING' }>), ack: true });
    expect(h.eventsOf('pingAcknowledged')).toEqual([{ kind: 'pingAcknowledged', pingId: id, rttMs: 42 }]);
  });

  it('keepalive: a PING after silence, and the connection closes when it is not answered', () => {
    const h = Harness.ready({ role: 'client', keepaliveIntervalMs: 1000, keepaliveTimeoutMs: 500 });
    expect(h.conn.nextDeadline()).toBe(1000);
    h.conn.tick(1000);
    expect(summary(h.take())).toEqual(['PING']);
    expect(h.conn.nextDeadline()).toBe(1500);
    h.conn.tick(1500);
    expect(h.goaway()?.errorCode).toBe('NO_ERROR');
    expect(h.events().map((e) => e.kind)).toEqual(['limitExceeded', 'connectionClosed']);
  });

  it('keepalive: an answered PING keeps the connection', () => {
    const h = Harness.ready({ role: 'client', keepaliveIntervalMs: 1000, keepaliveTimeoutMs: 500 });
    h.conn.tick(1000);
    const [p] = h.take();
    h.now = 1100;
    h.send({ ...(p as Extract<typeof p, { type: 'PING' }>), ack: true });
    h.conn.tick(1600);
    expect(h.take()).toEqual([]);
    expect(h.conn.isClosed).toBe(false);
    expect(h.conn.nextDeadline()).toBe(2100);
  });
});

describe('RFC 9113 §6.8 GOAWAY sent', () => {
  it('graceful: GOAWAY 2^31-1 + PING, then the real last-stream-id after the PING ACK; streams finish (§6.8)', () => {
    const h = Harness.ready({ role: 'server' });
    h.send(frames.headers(1).request('GET', '/').endStream());
    h.events();
    h.conn.goaway(10);
    const [g1, p] = h.take();
    expect(summary([g1!, p!])).toEqual(['GOAWAY 2147483647 NO_ERROR', 'PING']);
    // A stream the client opened while the first GOAWAY was in flight is still served.
    h.send(frames.headers(3).request('GET', '/').endStream());
    h.send({ ...(p as Extract<typeof p, { type: 'PING' }>), ack: true });
    expect(summary(h.take())).toEqual(['GOAWAY 3 NO_ERROR']);
    h.send(frames.headers(5).request('GET', '/').endStream());
    expect(h.eventsOf('requestReceived').map((e) => e.streamId)).toEqual([3]);
    h.conn.respond(1, status(204), { endStream: true });
    expect(h.conn.isClosed).toBe(false);
    h.conn.respond(3, status(204), { endStream: true });
    expect(h.events().at(-1)).toEqual({
      kind: 'connectionClosed',
      code: 'NO_ERROR',
      initiator: 'local',
      error: undefined,
    });
  });

  it('graceful: the second GOAWAY goes out after a timeout when the PING ACK never comes', () => {
    const h = Harness.ready({ role: 'server', settingsTimeoutMs: 1000 });
    h.conn.goaway(0);
    h.take();
    expect(h.conn.nextDeadline()).toBe(1000);
    h.conn.tick(1000);
    expect(summary(h.take())).toEqual(['GOAWAY 0 NO_ERROR']);
    expect(h.conn.isClosed).toBe(true);
  });

  it('immediate: GOAWAY with code and debug data, the connection closes at once', () => {
    const h = Harness.ready({ role: 'server' });
    h.send(frames.headers(1).request('GET', '/').endStream());
    h.take();
    h.events();
    const debugData = new TextEncoder().encode('bye');
    h.conn.goaway(0, { code: 'INTERNAL_ERROR', debugData });
    expect(h.take()).toEqual([
      { type: 'GOAWAY', streamId: 0, lastStreamId: 1, errorCode: 'INTERNAL_ERROR', debugData },
    ]);
    expect(h.eventsOf('connectionClosed')[0]).toMatchObject({ code: 'INTERNAL_ERROR', initiator: 'local' });
    expect(h.conn.respond(1, status(200))).toBe(false);
    h.conn.goaway(1);
    expect(h.take()).toEqual([]);
  });

  it('immediate NO_ERROR: one GOAWAY, open streams still finish', () => {
    const h = Harness.ready({ role: 'server' });
    h.send(frames.headers(1).request('GET', '/').endStream());
    h.conn.goaway(0, { immediate: true });
    expect(summary(h.take())).toEqual(['GOAWAY 1 NO_ERROR']);
    expect(h.conn.respond(1, status(204), { endStream: true })).toBe(true);
    expect(h.conn.isClosed).toBe(true);
  });

  it('idle timeout starts a graceful GOAWAY (server default 5 min)', () => {
    const h = Harness.ready({ role: 'server' });
    expect(h.conn.nextDeadline()).toBe(300_000);
    h.conn.tick(300_000);
    expect(summary(h.take())).toEqual(['GOAWAY 2147483647 NO_ERROR', 'PING']);
    expect(h.eventsOf('limitExceeded')[0]?.limit).toBe('idleTimeout');
  });

  it('client: no idle timeout by default, no timer at all once settled', () => {
    const h = Harness.ready({ role: 'client' });
    expect(h.conn.nextDeadline()).toBeUndefined();
  });

  it('client graceful: one GOAWAY with last-stream-id 0 (no server streams), no PING; open requests finish, queued ones fail retryable (§6.8)', () => {
    const h = Harness.ready({ role: 'client' }, { 3: 1 }); // the server allows one stream at a time
    h.conn.request(GET(), { endStream: true });
    h.conn.request(GET(), { endStream: true });
    h.take();
    h.events();
    h.conn.goaway(0);
    // Not 2^31-1: that is an odd, client-initiated id, and nghttp2 answers it with PROTOCOL_ERROR.
    expect(summary(h.take())).toEqual(['GOAWAY 0 NO_ERROR']);
    expect(h.eventsOf('streamReset')).toEqual([
      {
        kind: 'streamReset',
        streamId: 3,
        code: 'REFUSED_STREAM',
        by: 'local',
        retryable: true,
        error: undefined,
      },
    ]);
    h.send(frames.headers(1).response(200).endStream());
    expect(h.events().map((e) => e.kind)).toEqual(['responseReceived', 'streamEnded', 'connectionClosed']);
    h.conn.goaway(1);
    expect(h.take()).toEqual([]);
  });

  it('client: requests after our GOAWAY are usage errors', () => {
    const h = Harness.ready({ role: 'client' });
    h.conn.goaway(0);
    expect(h.conn.canRequest()).toBe(false);
    expect(() => h.conn.request(GET())).toThrow(H2UsageError);
  });
});

describe('RFC 9113 §6.8 GOAWAY received', () => {
  it('client: streams above last-stream-id fail retryable, the rest finish, then the connection closes', () => {
    const h = Harness.ready({ role: 'client' });
    h.conn.request(GET(), { endStream: true });
    h.conn.request(GET(), { endStream: true });
    h.events();
    h.send(frames.goaway(1));
    const ev = h.events();
    expect(ev[0]).toMatchObject({ kind: 'goawayReceived', lastStreamId: 1, code: 'NO_ERROR' });
    expect(ev[1]).toMatchObject({
      kind: 'streamReset',
      streamId: 3,
      code: 'REFUSED_STREAM',
      by: 'remote',
      retryable: true,
    });
    expect(() => h.conn.request(GET())).toThrow(H2UsageError);
    h.send(frames.headers(1).response(200).endStream());
    expect(h.events().map((e) => e.kind)).toEqual(['responseReceived', 'streamEnded', 'connectionClosed']);
  });

  it('client: queued requests fail retryable on GOAWAY', () => {
    const h = Harness.ready({ role: 'client' }, { 3: 1 });
    h.conn.request(GET(), { endStream: true });
    h.conn.request(GET(), { endStream: true });
    h.events();
    h.send(frames.goaway(2 ** 31 - 1));
    expect(h.eventsOf('streamReset').map((e) => [e.streamId, e.retryable])).toEqual([[3, true]]);
  });

  it('a GOAWAY can only lower the last-stream-id', () => {
    const h = Harness.ready({ role: 'client' });
    h.conn.request(GET(), { endStream: true });
    h.send(frames.goaway(1), frames.goaway(7));
    expect(h.eventsOf('goawayReceived').map((e) => e.lastStreamId)).toEqual([1, 1]);
  });

  it('after a GOAWAY with no streams left the connection closes', () => {
    const h = Harness.ready({ role: 'server' });
    h.send(frames.goaway(0, 'PROTOCOL_ERROR'));
    expect(h.events().at(-1)).toMatchObject({ kind: 'connectionClosed', initiator: 'remote' });
    expect(() => h.conn.ping(0)).toThrow(H2UsageError);
  });
});
