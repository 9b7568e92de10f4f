import { H2UsageError } from '@h2tubes/h2-frames';
import { describe, expect, it } from 'vitest';
import type { ConnectionOptions } from '../src/core.js';
import { frames, Harness, status, summary } from './helpers/frames.js';

/**
 * Slow request bodies (issue #11 item 4): `requestBodyTimeoutMs` (no DATA progress) and
 * `minRequestBodyRate` after `minRequestBodyRateGraceMs`, on the fake clock. The clocks stop while
 * our receive window is exhausted; the answer is 408 + RST_STREAM NO_ERROR (RFC 9113 §8.1) when no
 * response started, RST_STREAM CANCEL when one is under way.
 */

/** A server with stream 1 open: a POST whose body has not ended. */
function uploading(options: Partial<ConnectionOptions> = {}): Harness {
  const h = Harness.ready({ role: 'server', ...options });
  h.send(frames.headers(1).request('POST', '/upload'));
  h.take();
  h.events();
  return h;
}

/**
 * Runs the core's timer as the tube layer does up to `t`: a tick at each `nextDeadline` (at once
 * when it is already past, as a timer armed for the past fires at once).
 */
function runUntil(h: Harness, t: number): void {
  for (let i = 0; ; i++) {
    expect(i).toBeLessThan(10_000); // a deadline that never moves on would spin the real timer
    const d = h.conn.nextDeadline();
    if (d === undefined || d > t) break;
    h.now = Math.max(h.now, d);
    h.conn.tick(h.now);
  }
  h.now = t;
}

/** What the core wrote since the last look, as summaries (408 HEADERS shown with their status). */
function written(h: Harness): string[] {
  return h
    .take()
    .map((f) =>
      f.type === 'FIELD_BLOCK' ? `${summary([f])[0]} :status ${f.fields[0]?.value ?? ''}` : summary([f])[0]!,
    );
}

const consuming = (h: Harness): void => {
  h.onEvent = (e, c) => {
    if (e.kind === 'dataReceived') c.consume(e.streamId, e.data.length);
  };
};

describe('requestBodyTimeoutMs: a request body without DATA progress', () => {
  it('no DATA for 60 s → 408 with END_STREAM, then RST_STREAM NO_ERROR; the connection serves on', () => {
    const h = uploading({ minRequestBodyRate: 0 });
    expect(h.conn.nextDeadline()).toBe(60_000);
    runUntil(h, 59_999);
    expect(written(h)).toEqual([]);
    runUntil(h, 60_000);
    expect(written(h)).toEqual(['HEADERS 1 ES :status 408', 'RST_STREAM 1 NO_ERROR']);
    const events = h.events();
    expect(events.map((e) => e.kind)).toEqual(['limitExceeded', 'streamReset']);
    expect(events[0]).toEqual({ kind: 'limitExceeded', limit: 'requestBodyTimeout', streamId: 1 });
    const reset = events[1];
    expect(reset).toMatchObject({ kind: 'streamReset', streamId: 1, code: 'NO_ERROR', by: 'local' });
    expect(reset?.kind === 'streamReset' && reset.error?.message).toMatch(/requestBodyTimeoutMs/);
    expect(h.conn.activeStreams).toBe(0);
    expect(h.conn.isClosed).toBe(false);
    // Late DATA on it is ignored (we reset it), and the next request is served.
    h.send(frames.data(1, 10), frames.headers(3).request('GET', '/').endStream());
    expect(h.eventsOf('requestReceived').map((e) => e.streamId)).toEqual([3]);
    expect(written(h).filter((f) => f.startsWith('RST_STREAM') || f.startsWith('GOAWAY'))).toEqual([]);
  });

  it('each DATA octet is progress and moves the deadline; padding counts, an empty DATA frame does not', () => {
    const h = uploading({ minRequestBodyRate: 0 });
    consuming(h);
    runUntil(h, 30_000);
    h.send(frames.data(1, 1));
    expect(h.conn.nextDeadline()).toBeLessThanOrEqual(90_000);
    runUntil(h, 89_000);
    h.send(frames.data(1, new Uint8Array(0), { padLength: 5 })); // padding only: progress
    runUntil(h, 148_000);
    h.send(frames.data(1, 0)); // empty: no progress
    runUntil(h, 148_999);
    expect(written(h).filter((f) => !f.startsWith('WINDOW_UPDATE'))).toEqual([]);
    runUntil(h, 149_000);
    expect(written(h)).toEqual(['HEADERS 1 ES :status 408', 'RST_STREAM 1 NO_ERROR']);
  });

  it('a response already under way → RST_STREAM CANCEL, no 408', () => {
    const h = uploading({ minRequestBodyRate: 0 });
    h.conn.respond(1, status(200));
    h.conn.sendData(1, new Uint8Array(10));
    h.conn.flush(1 << 20);
    h.take();
    runUntil(h, 60_000);
    expect(written(h)).toEqual(['RST_STREAM 1 CANCEL']);
    expect(h.eventsOf('streamReset')[0]).toMatchObject({ code: 'CANCEL', by: 'local' });
  });

  it('our response complete while the body is still open → RST_STREAM NO_ERROR (§8.1), no 408', () => {
    const h = uploading({ minRequestBodyRate: 0 });
    h.conn.respond(1, status(200), { endStream: true });
    h.take();
    runUntil(h, 60_000);
    expect(written(h)).toEqual(['RST_STREAM 1 NO_ERROR']);
    expect(h.events().map((e) => e.kind)).toEqual(['localEnded', 'limitExceeded', 'streamReset']);
  });

  it('a body that ends stops the clocks', () => {
    const h = uploading();
    h.send(frames.data(1, 5, { endStream: true }));
    runUntil(h, 3_600_000);
    expect(written(h).filter((f) => f.startsWith('RST_STREAM'))).toEqual([]);
    expect(h.eventsOf('limitExceeded')).toEqual([]);
  });
});

describe('minRequestBodyRate: a request body that crawls', () => {
  it('nothing after the headers, defaults: the rate trips when the 5 s grace ends', () => {
    const h = uploading();
    runUntil(h, 4_999);
    expect(written(h)).toEqual([]);
    runUntil(h, 5_000);
    expect(written(h)).toEqual(['HEADERS 1 ES :status 408', 'RST_STREAM 1 NO_ERROR']);
    expect(h.eventsOf('limitExceeded')).toEqual([
      { kind: 'limitExceeded', limit: 'minRequestBodyRate', streamId: 1 },
    ]);
  });

  it('1 octet per second trips once the grace is over', () => {
    const h = uploading({ requestBodyTimeoutMs: 0 });
    consuming(h);
    let t = 0;
    while (h.conn.activeStreams > 0 && t < 60_000) {
      h.send(frames.data(1, 1));
      t += 1000;
      runUntil(h, t);
    }
    expect(t).toBe(5_000);
    expect(h.eventsOf('limitExceeded')).toEqual([
      { kind: 'limitExceeded', limit: 'minRequestBodyRate', streamId: 1 },
    ]);
  });

  it('a fast body never trips, nor one just above the minimum', () => {
    for (const perSecond of [16_384, 250]) {
      const h = uploading();
      consuming(h);
      for (let t = 1000; t <= 600_000; t += 1000) {
        h.send(frames.data(1, perSecond));
        runUntil(h, t);
      }
      h.send(frames.data(1, 1, { endStream: true }));
      expect(h.eventsOf('limitExceeded')).toEqual([]);
      expect(written(h).filter((f) => !f.startsWith('WINDOW_UPDATE'))).toEqual([]);
    }
  });
});

describe('the clocks stop while our receive window is exhausted (our backpressure)', () => {
  it('a stream window the application does not consume: never trips, however long; resumes with credit', () => {
    const h = uploading({ initialWindowSize: 100, maxReceiveWindowSize: 100 });
    runUntil(h, 1_000);
    h.send(frames.data(1, 100)); // the whole window, never consumed
    runUntil(h, 3_600_000);
    expect(written(h)).toEqual([]);
    expect(h.eventsOf('limitExceeded')).toEqual([]);
    // The application reads: credit goes back, the client may send again and the clocks run on
    // from where they stopped (1 s of the 5 s grace was used before the pause). `consume` carries
    // no time: the resume counts from the next tick, which the core asks for at once.
    h.conn.consume(1, 100);
    expect(written(h)).toEqual(['WINDOW_UPDATE 1 100']);
    runUntil(h, 3_600_000);
    expect(h.conn.nextDeadline()).toBe(3_600_000 + 4_000);
    runUntil(h, 3_604_000);
    expect(h.eventsOf('limitExceeded')).toEqual([
      { kind: 'limitExceeded', limit: 'minRequestBodyRate', streamId: 1 },
    ]);
  });

  it('the connection window exhausted by another stream: neither stream trips', () => {
    const h = Harness.ready({
      role: 'server',
      connectionWindowSize: 65_535,
      maxReceiveWindowSize: 65_535,
      minRequestBodyRate: 0,
    });
    h.send(frames.headers(1).request('POST', '/a'), frames.headers(3).request('POST', '/b'));
    h.send(frames.data(1, 16_384), frames.data(1, 16_384), frames.data(1, 16_384), frames.data(1, 16_383));
    expect(h.conn.receiveWindow(0)).toBe(0);
    h.send(frames.data(1, 0, { endStream: true })); // stream 1's body is complete
    h.take();
    h.events();
    runUntil(h, 3_600_000);
    expect(h.eventsOf('limitExceeded')).toEqual([]);
    // Stream 1's reader catches up: both clocks run again, stream 3 has used none of its 60 s.
    h.conn.consume(1, 65_535);
    expect(h.conn.receiveWindow(0)).toBe(65_535);
    runUntil(h, 3_659_999);
    expect(h.eventsOf('limitExceeded')).toEqual([]);
    runUntil(h, 3_660_000);
    expect(h.eventsOf('limitExceeded').map((e) => e.streamId)).toEqual([3]);
  });

  it('the connection window exhausted by an exempt stream pauses the others too', () => {
    const h = Harness.ready({ role: 'server', connectionWindowSize: 65_535, maxReceiveWindowSize: 65_535 });
    h.onEvent = (e, c) => {
      if (e.kind === 'requestReceived' && e.streamId === 1) c.exemptRequestBody(1);
    };
    h.send(frames.headers(1).request('POST', '/stream'), frames.headers(3).request('POST', '/upload'));
    h.send(frames.data(1, 16_384), frames.data(1, 16_384), frames.data(1, 16_384), frames.data(1, 16_383));
    expect(h.conn.receiveWindow(0)).toBe(0);
    runUntil(h, 3_600_000);
    expect(h.eventsOf('limitExceeded')).toEqual([]);
  });

  it('a window closed by our smaller SETTINGS_INITIAL_WINDOW_SIZE, once acknowledged, pauses too', () => {
    const h = new Harness({ role: 'server', initialWindowSize: 0 });
    h.conn.start(0);
    h.send(frames.settings(), frames.headers(1).request('POST', '/upload')); // window 65 535 until our ACK
    h.send(frames.settingsAck()); // now 0: the client cannot send
    expect(h.conn.receiveWindow(1)).toBe(0);
    runUntil(h, 3_600_000);
    expect(h.eventsOf('limitExceeded')).toEqual([]);
  });

  it('paused time is not counted against the rate either', () => {
    const h = uploading({ initialWindowSize: 1_000, maxReceiveWindowSize: 1_000, requestBodyTimeoutMs: 0 });
    h.send(frames.data(1, 1_000)); // at 0: window full, the app reads later
    runUntil(h, 100_000);
    h.conn.consume(1, 1_000);
    runUntil(h, 100_000);
    // 1 000 octets in 0 ms of running time: nothing is due before the 5 s grace ends.
    expect(h.conn.nextDeadline()).toBe(105_000);
    runUntil(h, 104_999);
    expect(h.eventsOf('limitExceeded')).toEqual([]);
    runUntil(h, 105_000);
    expect(h.eventsOf('limitExceeded').map((e) => e.limit)).toEqual(['minRequestBodyRate']);
  });
});

describe('bodies that may idle: CONNECT, and exemptRequestBody', () => {
  it('a CONNECT tunnel (RFC 9113 §8.5) and an RFC 8441 WebSocket are never timed', () => {
    const h = Harness.ready({ role: 'server', enableConnectProtocol: true });
    h.send(
      frames.headers(1).raw([
        { name: ':method', value: 'CONNECT' },
        { name: ':authority', value: 'example.com:443' },
      ]),
      frames.headers(3).request('CONNECT', '/chat', { ':protocol': 'websocket' }),
    );
    expect(h.eventsOf('requestReceived').map((e) => e.streamId)).toEqual([1, 3]);
    runUntil(h, 3_600_000);
    expect(h.eventsOf('limitExceeded')).toEqual([]);
    expect(h.conn.activeStreams).toBe(2);
  });

  it('exemptRequestBody, from inside requestReceived: no clocks for that stream, the others keep theirs', () => {
    const h = Harness.ready({ role: 'server' });
    h.onEvent = (e, c) => {
      if (e.kind === 'requestReceived' && e.head.path === '/stream')
        expect(c.exemptRequestBody(e.streamId)).toBe(true);
    };
    h.send(frames.headers(1).request('POST', '/stream'), frames.headers(3).request('POST', '/upload'));
    runUntil(h, 3_600_000);
    expect(h.eventsOf('limitExceeded').map((e) => e.streamId)).toEqual([3]);
    expect(h.conn.activeStreams).toBe(1);
    expect(h.conn.exemptRequestBody(3)).toBe(false); // gone
    expect(() => Harness.ready({ role: 'client' }).conn.exemptRequestBody(1)).toThrow(H2UsageError);
  });
});

describe('options', () => {
  it('both off with 0: no deadline, no answer, however long', () => {
    const h = uploading({ requestBodyTimeoutMs: 0, minRequestBodyRate: 0 });
    expect(h.conn.nextDeadline()).toBeUndefined();
    h.now = 86_400_000;
    h.conn.tick(h.now);
    expect(written(h)).toEqual([]);
    expect(h.conn.activeStreams).toBe(1);
  });

  it('the defaults, and validation like the other options', () => {
    const h = uploading({ requestBodyTimeoutMs: 0 });
    expect(h.conn.nextDeadline()).toBe(5_000); // the rate's grace
    expect(uploading({ minRequestBodyRate: 0 }).conn.nextDeadline()).toBe(60_000);
    expect(uploading({ minRequestBodyRateGraceMs: 0, requestBodyTimeoutMs: 0 }).conn.nextDeadline()).toBe(0);
    for (const bad of [
      { requestBodyTimeoutMs: -1 },
      { minRequestBodyRate: 1.5 },
      { minRequestBodyRateGraceMs: 86_400_001 },
    ]) {
      expect(() => Harness.ready({ role: 'server', ...bad })).toThrow(H2UsageError);
    }
  });

  it('the client role has no request-body clocks', () => {
    const h = Harness.ready({ role: 'client' });
    h.conn.request(
      [
        { name: ':method', value: 'POST' },
        { name: ':scheme', value: 'https' },
        { name: ':authority', value: 'example.com' },
        { name: ':path', value: '/' },
      ],
      { endStream: false },
    );
    expect(h.conn.nextDeadline()).toBeUndefined();
  });
});
