import { describe, expect, it } from 'vitest';
import { frames, Harness, SETTINGS, status, summary } from './helpers/frames.js';

/** A server answering streams `ids` with 200 and `n` pending octets each. */
function serving(ids: number[], n: number, prio: Record<number, string> = {}): Harness {
  const h = Harness.ready({ role: 'server' }, { [SETTINGS.INITIAL_WINDOW_SIZE]: 1 << 20 });
  h.send(frames.windowUpdate(0, 1 << 20));
  for (const id of ids) {
    h.send(
      frames
        .headers(id)
        .request('GET', '/', prio[id] === undefined ? {} : { priority: prio[id]! })
        .endStream(),
    );
    h.conn.respond(id, status(200));
    h.conn.sendData(id, new Uint8Array(n), true);
  }
  h.take();
  h.events();
  return h;
}

describe('RFC 9218 extensible priorities drive the send scheduler', () => {
  it('lower urgency goes first (§4.1)', () => {
    const h = serving([1, 3], 20_000, { 3: 'u=0' });
    h.conn.flush(1 << 20);
    expect(summary(h.take())).toEqual(['DATA 3 16384', 'DATA 3 3616 ES', 'DATA 1 16384', 'DATA 1 3616 ES']);
  });

  it('incremental streams of one urgency interleave frame by frame (§4.2)', () => {
    const h = serving([1, 3], 20_000, { 1: 'u=3, i', 3: 'i' });
    h.conn.flush(1 << 20);
    expect(summary(h.take())).toEqual(['DATA 1 16384', 'DATA 3 16384', 'DATA 1 3616 ES', 'DATA 3 3616 ES']);
  });

  it('non-incremental streams of one urgency are served one after the other (§4.2)', () => {
    const h = serving([1, 3], 20_000);
    h.conn.flush(1 << 20);
    expect(summary(h.take())).toEqual(['DATA 1 16384', 'DATA 1 3616 ES', 'DATA 3 16384', 'DATA 3 3616 ES']);
  });

  it('PRIORITY_UPDATE changes an open stream priority and reports priorityChanged (§7.1)', () => {
    const h = serving([1, 3], 20_000);
    h.send(frames.priorityUpdate(3, 'u=1'));
    expect(h.events()).toEqual([{ kind: 'priorityChanged', streamId: 3, urgency: 1, incremental: false }]);
    h.conn.flush(1 << 20);
    expect(summary(h.take())[0]).toBe('DATA 3 16384');
  });

  it('a PRIORITY_UPDATE that arrives before its stream applies when it opens', () => {
    const h = Harness.ready({ role: 'server' });
    h.send(frames.priorityUpdate(1, 'u=6'), frames.headers(1).request('GET', '/').endStream());
    h.send(frames.headers(3).request('GET', '/').endStream());
    for (const id of [1, 3]) {
      h.conn.respond(id, status(200));
      h.conn.sendData(id, new Uint8Array(10), true);
    }
    h.take();
    h.conn.flush(1 << 20);
    expect(summary(h.take())).toEqual(['DATA 3 10 ES', 'DATA 1 10 ES']);
  });

  it('PRIORITY_UPDATE for stream 0 ⇒ PROTOCOL_ERROR; a client receiving one ⇒ PROTOCOL_ERROR (§7.1)', () => {
    const s = Harness.ready({ role: 'server' });
    s.send(frames.priorityUpdate(0, 'u=1'));
    expect(s.goaway()?.errorCode).toBe('PROTOCOL_ERROR');
    const c = Harness.ready({ role: 'client' });
    c.send(frames.priorityUpdate(1, 'u=1'));
    expect(c.goaway()?.errorCode).toBe('PROTOCOL_ERROR');
  });
});

describe('RFC 8441 extended CONNECT', () => {
  const connect = (id: number) =>
    frames.headers(id).raw([
      { name: ':method', value: 'CONNECT' },
      { name: ':protocol', value: 'websocket' },
      { name: ':scheme', value: 'https' },
      { name: ':path', value: '/chat' },
      { name: ':authority', value: 'example.com' },
    ]);

  it('with SETTINGS_ENABLE_CONNECT_PROTOCOL the server accepts :protocol (§4)', () => {
    const h = Harness.ready({ role: 'server', enableConnectProtocol: true });
    h.send(connect(1));
    expect(h.eventsOf('requestReceived')[0]?.head).toMatchObject({
      method: 'CONNECT',
      protocol: 'websocket',
      path: '/chat',
    });
  });

  it('without it, :protocol makes the request malformed (§3)', () => {
    const h = Harness.ready({ role: 'server' });
    h.send(connect(1));
    expect(summary(h.take())).toEqual(['RST_STREAM 1 PROTOCOL_ERROR']);
  });

  it('the client may send :protocol only after the server enabled it', () => {
    const fields = connect(1).build().fields;
    const off = Harness.ready({ role: 'client' });
    expect(() => off.conn.request(fields)).toThrow(/ENABLE_CONNECT_PROTOCOL/);
    const on = Harness.ready({ role: 'client' }, { [SETTINGS.ENABLE_CONNECT_PROTOCOL]: 1 });
    expect(on.conn.request(fields)).toBe(1);
  });
});
