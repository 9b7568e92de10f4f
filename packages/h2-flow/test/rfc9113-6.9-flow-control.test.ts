import { describe, expect, it } from 'vitest';
import { frames, GET, Harness, SETTINGS, status, summary } from './helpers/frames.js';

/** A server with one open request stream 1 whose body is still coming. */
function postStream(
  options: Partial<Parameters<typeof Harness.ready>[0]> = {},
  peer: Record<number, number> = {},
): Harness {
  const h = Harness.ready({ role: 'server', connectionWindowSize: 65_535, ...options }, peer);
  h.send(frames.headers(1).request('POST', '/upload'));
  h.take();
  h.events();
  return h;
}

/** A server that answered stream 1 with 200 and has `n` body octets pending. */
function responding(n: number, peer: Record<number, number> = {}, options = {}): Harness {
  const h = Harness.ready({ role: 'server', sendBufferSize: 1 << 24, ...options }, peer);
  h.send(frames.headers(1).request('GET', '/').endStream());
  h.conn.respond(1, status(200));
  h.conn.sendData(1, new Uint8Array(n), true);
  h.take();
  h.events();
  return h;
}

describe('RFC 9113 §6.9 receive side', () => {
  it('credit returns only as the consumer consumes, coalesced at half the window (§6.9)', () => {
    const h = postStream();
    h.send(frames.data(1, 40_000));
    expect(h.take()).toEqual([]);
    h.conn.consume(1, 30_000);
    expect(h.take()).toEqual([]);
    h.conn.consume(1, 10_000);
    expect(summary(h.take())).toEqual(['WINDOW_UPDATE 1 40000', 'WINDOW_UPDATE 0 40000']);
    expect(h.conn.receiveWindow(1)).toBe(65_535);
  });

  it('padding counts against both windows and is returned at once (§6.9.1, §6.1)', () => {
    const h = postStream();
    h.send(frames.data(1, 100, { padLength: 40_000 }));
    const [e] = h.eventsOf('dataReceived');
    expect(e?.flowControlledLength).toBe(40_101);
    expect(summary(h.take())).toEqual(['WINDOW_UPDATE 1 40001', 'WINDOW_UPDATE 0 40001']);
    expect(h.conn.receiveWindow(1)).toBe(65_535 - 100);
  });

  it('DATA beyond the stream window we granted ⇒ stream error FLOW_CONTROL_ERROR (§6.9.1)', () => {
    const h = postStream({ connectionWindowSize: 1 << 20 });
    h.send(frames.data(1, 65_535), frames.data(1, 1));
    expect(summary(h.take())).toEqual(['RST_STREAM 1 FLOW_CONTROL_ERROR']);
  });

  it('DATA beyond the connection window ⇒ connection error FLOW_CONTROL_ERROR (§6.9.1)', () => {
    const h = postStream({ initialWindowSize: 1 << 20 });
    h.send(frames.headers(3).request('POST', '/'));
    h.send(frames.data(1, 65_535), frames.data(3, 1));
    expect(h.goaway()?.errorCode).toBe('FLOW_CONTROL_ERROR');
  });

  it('DATA on a reset stream returns the connection credit (pitfall: connection starvation)', () => {
    const h = postStream();
    h.send(frames.data(1, 20_000));
    h.conn.resetStream(1);
    h.take();
    h.send(frames.data(1, 20_000));
    expect(summary(h.take())).toEqual(['WINDOW_UPDATE 0 40000']);
  });

  it('bytes of a normally closed stream stay on loan until consumed', () => {
    const h = postStream();
    h.send(frames.data(1, 40_000, { endStream: true }));
    h.conn.respond(1, status(204), { endStream: true });
    h.take();
    expect(h.eventsOf('streamEnded')).toHaveLength(1);
    h.conn.consume(1, 40_000);
    expect(summary(h.take())).toEqual(['WINDOW_UPDATE 0 40000']);
    h.conn.consume(1, 1);
    expect(h.take()).toEqual([]);
  });

  it('no stream WINDOW_UPDATE once the peer ended its side (§6.9)', () => {
    const h = postStream();
    h.send(frames.data(1, 40_000, { endStream: true }));
    h.conn.consume(1, 40_000);
    expect(summary(h.take())).toEqual(['WINDOW_UPDATE 0 40000']);
  });

  it('our new INITIAL_WINDOW_SIZE applies to receive windows only once ACKed (§6.9.2)', () => {
    const h = new Harness({ role: 'server', initialWindowSize: 200_000, connectionWindowSize: 1 << 20 });
    h.conn.start(0);
    h.send(frames.settings(), frames.headers(1).request('POST', '/'));
    expect(h.conn.receiveWindow(1)).toBe(65_535);
    h.send(frames.settingsAck());
    expect(h.conn.receiveWindow(1)).toBe(200_000);
    h.send(frames.data(1, 200_000));
    expect(h.conn.isClosed).toBe(false);
  });

  it('the receive window doubles when a window is consumed within one RTT (BDP auto-tuning)', () => {
    const h = postStream({ connectionWindowSize: 1 << 20, maxReceiveWindowSize: 1 << 20, assumedRttMs: 50 });
    h.now = 10;
    h.send(frames.data(1, 65_535));
    h.conn.consume(1, 65_535);
    expect(summary(h.take())).toEqual([`WINDOW_UPDATE 1 ${65_535 * 2}`]);
    expect(h.conn.receiveWindow(1)).toBe(131_070);
  });

  it('no growth when the consumer is slower than one RTT', () => {
    const h = postStream({ connectionWindowSize: 1 << 20, maxReceiveWindowSize: 1 << 20, assumedRttMs: 50 });
    h.now = 1000;
    h.send(frames.data(1, 65_535));
    h.conn.consume(1, 65_535);
    expect(summary(h.take())).toEqual(['WINDOW_UPDATE 1 65535']);
  });
});

describe('RFC 9113 §6.9 WINDOW_UPDATE received', () => {
  it('an increment of 0 on a stream ⇒ stream error PROTOCOL_ERROR (§6.9)', () => {
    const h = postStream();
    h.send(frames.windowUpdate(1, 0));
    expect(summary(h.take())).toEqual(['RST_STREAM 1 PROTOCOL_ERROR']);
  });

  it('an increment of 0 on the connection ⇒ connection error PROTOCOL_ERROR (§6.9)', () => {
    const h = postStream();
    h.send(frames.windowUpdate(0, 0));
    expect(h.goaway()?.errorCode).toBe('PROTOCOL_ERROR');
  });

  it('a stream window above 2^31-1 ⇒ stream error FLOW_CONTROL_ERROR (§6.9.1)', () => {
    const h = postStream();
    h.send(frames.windowUpdate(1, 2 ** 31 - 1));
    expect(summary(h.take())).toEqual(['RST_STREAM 1 FLOW_CONTROL_ERROR']);
  });

  it('a connection window above 2^31-1 ⇒ connection error FLOW_CONTROL_ERROR (§6.9.1)', () => {
    const h = postStream();
    h.send(frames.windowUpdate(0, 2 ** 31 - 1));
    expect(h.goaway()?.errorCode).toBe('FLOW_CONTROL_ERROR');
  });

  it('reports windowUpdated for the stream and the connection', () => {
    const h = postStream();
    h.send(frames.windowUpdate(1, 10), frames.windowUpdate(0, 20));
    expect(h.events().map((e) => e.kind === 'windowUpdated' && [e.streamId, e.increment])).toEqual([
      [1, 10],
      [0, 20],
    ]);
    expect([h.conn.sendWindow(1), h.conn.sendWindow(0)]).toEqual([65_545, 65_555]);
  });
});

describe('RFC 9113 §6.9 send side', () => {
  it('DATA is split by the peer MAX_FRAME_SIZE and stops at the connection window', () => {
    const h = responding(100_000);
    expect(h.conn.flush(1 << 30)).toBe(65_535);
    expect(summary(h.take())).toEqual(['DATA 1 16384', 'DATA 1 16384', 'DATA 1 16384', 'DATA 1 16383']);
    h.send(frames.windowUpdate(0, 100_000), frames.windowUpdate(1, 100_000));
    h.conn.flush(1 << 30);
    expect(summary(h.take())).toEqual(['DATA 1 16384', 'DATA 1 16384', 'DATA 1 1697 ES']);
  });

  it('flush writes no more payload than maxBytes (the socket room)', () => {
    const h = responding(50_000);
    expect(h.conn.flush(1000)).toBe(1000);
    expect(summary(h.take())).toEqual(['DATA 1 1000']);
  });

  it('a stream window of 0 holds that stream only', () => {
    const h = responding(70_000, { [SETTINGS.INITIAL_WINDOW_SIZE]: 10 });
    h.send(frames.headers(3).request('GET', '/').endStream());
    h.conn.respond(3, status(200));
    h.conn.sendData(3, new Uint8Array(5), true);
    h.conn.flush(1 << 20);
    expect(summary(h.take())).toEqual(['HEADERS 3', 'DATA 1 10', 'DATA 3 5 ES']);
  });

  it('SETTINGS_INITIAL_WINDOW_SIZE moves open stream send windows by the delta, maybe negative (§6.9.2)', () => {
    const h = responding(10_000);
    h.conn.flush(8000);
    h.take();
    h.send(frames.settings({ [SETTINGS.INITIAL_WINDOW_SIZE]: 1000 }));
    expect(h.conn.sendWindow(1)).toBe(1000 - 8000);
    expect(h.conn.sendWindow(0)).toBe(65_535 - 8000);
    h.take();
    expect(h.conn.flush(1 << 20)).toBe(0);
    h.send(frames.windowUpdate(1, 7001));
    h.conn.flush(1 << 20);
    expect(summary(h.take())).toEqual(['DATA 1 1']);
    h.send(frames.settings({ [SETTINGS.INITIAL_WINDOW_SIZE]: 5000 }));
    h.conn.flush(1 << 20);
    expect(summary(h.take())).toEqual(['SETTINGS ACK', 'DATA 1 1999 ES']);
  });

  it('a SETTINGS delta that takes a stream window above 2^31-1 ⇒ connection error FLOW_CONTROL_ERROR (§6.9.2)', () => {
    const h = responding(10);
    h.send(frames.windowUpdate(1, 2 ** 31 - 1 - 65_535));
    h.send(frames.settings({ [SETTINGS.INITIAL_WINDOW_SIZE]: 65_536 }));
    expect(h.goaway()?.errorCode).toBe('FLOW_CONTROL_ERROR');
  });

  it('the pending-send buffer is bounded: wantsData, sendCapacityAvailable, usage error beyond (rule 3)', () => {
    const h = Harness.ready({ role: 'server', sendBufferSize: 1000 });
    h.send(frames.headers(1).request('GET', '/').endStream());
    h.conn.respond(1, status(200));
    expect(h.conn.wantsData(1)).toBe(true);
    h.conn.sendData(1, new Uint8Array(1500));
    expect(h.conn.wantsData(1)).toBe(false);
    expect(() => h.conn.sendData(1, new Uint8Array(1))).toThrow(/full/);
    h.events();
    h.conn.flush(600);
    expect(h.eventsOf('sendCapacityAvailable')).toEqual([{ kind: 'sendCapacityAvailable', streamId: 1 }]);
    expect(h.conn.wantsData(1)).toBe(true);
  });

  it('read-ahead past the bound goes no further than the windows let out now, nor the share asked', () => {
    const h = Harness.ready({ role: 'server', sendBufferSize: 1000 });
    h.send(frames.headers(1).request('GET', '/').endStream());
    h.conn.respond(1, status(200));
    h.conn.sendData(1, new Uint8Array(1500));
    expect(h.conn.wantsData(1)).toBe(false); // past its bound, no read-ahead asked
    expect(h.conn.wantsData(1, 1200)).toBe(false); // the share asked is used up
    expect(h.conn.wantsData(1, 100_000)).toBe(true); // the stream window (65,535) is not
    h.conn.sendData(1, new Uint8Array(65_535 - 1500), false, 100_000);
    expect(h.conn.wantsData(1, 100_000)).toBe(false); // as much as the window lets out is pending
    // A caller that pushes past the bound without the read-ahead it was given.
    expect(() => h.conn.sendData(1, new Uint8Array(1))).toThrow(/full/);
    h.conn.flush(1 << 20); // the window's worth goes out; the window is now 0
    expect(h.conn.wantsData(1, 100_000)).toBe(true); // nothing pending: below the bound, window or not
    h.conn.sendData(1, new Uint8Array(1000));
    expect(h.conn.wantsData(1, 100_000)).toBe(false); // at the bound, and nothing may go out
  });

  it('a chunk pulled under a read-ahead is taken even if the windows shrank before it came (§6.9.2)', () => {
    const h = Harness.ready({ role: 'server', sendBufferSize: 1000 });
    h.send(frames.headers(1).request('GET', '/').endStream());
    h.conn.respond(1, status(200));
    h.conn.sendData(1, new Uint8Array(1500));
    expect(h.conn.wantsData(1, 100_000)).toBe(true); // the pump asks its source for a chunk...
    h.send(frames.settings({ [SETTINGS.INITIAL_WINDOW_SIZE]: 0 })); // ...the peer shuts the window...
    expect(h.conn.wantsData(1, 100_000)).toBe(false);
    h.conn.sendData(1, new Uint8Array(500), false, 100_000); // ...and the chunk it asked for still fits
    expect(() => h.conn.sendData(1, new Uint8Array(1), false, 1200)).toThrow(/full/); // 2000 ≥ 1200
    h.conn.sendData(1, new Uint8Array(0), true); // the body's end adds no octets: always taken
    h.send(frames.settings({ [SETTINGS.INITIAL_WINDOW_SIZE]: 65_535 }));
    h.conn.flush(1 << 20);
    expect(summary(h.take()).slice(-2)).toEqual(['DATA 1 1500', 'DATA 1 500 ES']);
  });

  it('client: request body flows after the HEADERS, END_STREAM on the last DATA', () => {
    const h = Harness.ready({ role: 'client' });
    const id = h.conn.request([...GET(), { name: 'content-length', value: '3' }]);
    h.conn.sendData(id, new Uint8Array([1, 2, 3]), true);
    h.conn.flush(1 << 20);
    expect(summary(h.take())).toEqual(['HEADERS 1', 'DATA 1 3 ES']);
  });
});
