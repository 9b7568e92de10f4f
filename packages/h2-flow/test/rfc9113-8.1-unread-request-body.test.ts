import { H2UsageError } from '@h2tubes/h2-frames';
import { describe, expect, it } from 'vitest';
import { responseHasNoContent } from '../src/core.js';
import { frames, Harness, status, summary } from './helpers/frames.js';

/** Stream windows of 100 octets, not auto-tuned, make the credit visible (WINDOW_UPDATE at half a window). */
function uploading(): Harness {
  const h = Harness.ready({ role: 'server', initialWindowSize: 100, maxReceiveWindowSize: 100 });
  h.send(frames.headers(1).request('POST', '/upload'));
  h.take();
  h.events();
  return h;
}

describe('RFC 9113 §8.1 a request body nobody reads: discardRequestBody', () => {
  it('discards with credit returned, and resets NO_ERROR only past the window the client had when the response ended', () => {
    const h = uploading();
    h.send(frames.data(1, 30)); // received, never consumed
    h.conn.respond(1, status(413), { endStream: true });
    expect(h.conn.discardRequestBody(1)).toBe(true);
    // No RST_STREAM with the response (curl 7.88 fails when both arrive in one read); a PING
    // after it will say when it was read (the test leaves it unanswered).
    expect(summary(h.take())).toEqual(['HEADERS 1 ES', 'PING']);
    h.events();
    // The client had 70 octets of window left when the response ended: it may send them.
    h.send(frames.data(1, 70));
    expect(summary(h.take())).toEqual(['WINDOW_UPDATE 1 100']);
    expect(h.events()).toEqual([]); // discarded: no dataReceived
    // Anything more needs the WINDOW_UPDATE sent after the response: it has read the response.
    h.send(frames.data(1, 1));
    expect(summary(h.take())).toEqual(['RST_STREAM 1 NO_ERROR']);
    expect(h.eventsOf('streamReset')).toEqual([
      { kind: 'streamReset', streamId: 1, code: 'NO_ERROR', by: 'local', retryable: false, error: undefined },
    ]);
    expect(h.conn.activeStreams).toBe(0);
  });

  it('called before the response ends: discards at once, the allowance starts when the response ends', () => {
    const h = uploading();
    h.conn.respond(1, status(200));
    h.conn.discardRequestBody(1);
    h.send(frames.data(1, 100)); // the whole window, before our response ended: credit back, no reset
    expect(summary(h.take())).toEqual(['HEADERS 1', 'WINDOW_UPDATE 1 100']);
    h.send(frames.data(1, 100));
    expect(summary(h.take())).toEqual(['WINDOW_UPDATE 1 100']);
    h.conn.sendData(1, new Uint8Array(0), true);
    expect(summary(h.take())).toEqual(['DATA 1 0 ES', 'PING']);
    h.send(frames.data(1, 100)); // the window it had then: no reset
    expect(summary(h.take())).toEqual(['WINDOW_UPDATE 1 100']);
    h.send(frames.data(1, 1));
    expect(summary(h.take())).toEqual(['RST_STREAM 1 NO_ERROR']);
  });

  it('counts padding (the flow-controlled length), not only the data', () => {
    const h = uploading();
    h.send(frames.data(1, 30));
    h.conn.respond(1, status(200), { endStream: true });
    h.conn.discardRequestBody(1); // allowance: the 70 octets of window left
    h.send(frames.data(1, 40)); // 30 left, and a WINDOW_UPDATE gives the client more
    expect(summary(h.take())).toEqual(['HEADERS 1 ES', 'PING', 'WINDOW_UPDATE 1 70']);
    // 10 octets of data with 20 of padding and the pad-length octet: 31 > 30.
    h.send(frames.data(1, 10, { padLength: 20 }));
    expect(summary(h.take())).toContain('RST_STREAM 1 NO_ERROR');
  });

  it('resets NO_ERROR once the client acknowledges a PING written after the response, when it has stopped sending (curl on an error status)', () => {
    const h = uploading();
    h.send(frames.data(1, 30));
    h.conn.respond(1, status(405), { endStream: true });
    h.conn.discardRequestBody(1);
    const [, ping] = h.take();
    expect(ping).toMatchObject({ type: 'PING', ack: false });
    h.events();
    h.send(frames.data(1, 10)); // within the allowance: not yet known to be read
    expect(summary(h.take())).toEqual([]);
    // The ACK comes after the client processed every frame before the PING (RFC 9113 §6.7).
    h.send(frames.ping((ping as { opaqueData: Uint8Array }).opaqueData, true));
    expect(summary(h.take())).toEqual(['RST_STREAM 1 NO_ERROR']);
    expect(h.eventsOf('streamReset')).toMatchObject([{ streamId: 1, code: 'NO_ERROR', by: 'local' }]);
    expect(h.conn.activeStreams).toBe(0);
  });

  it('one PING at a time covers the responses that ended before it; later ones wait for the next', () => {
    const h = uploading();
    h.send(frames.headers(3).request('POST', '/upload'));
    h.send(frames.headers(5).request('POST', '/upload'));
    h.take();
    h.events();
    for (const id of [1, 3]) {
      h.conn.respond(id, status(413), { endStream: true });
      h.conn.discardRequestBody(id);
    }
    const first = h.take().filter((f) => f.type === 'PING');
    expect(first).toHaveLength(1); // stream 3's response waits for no second PING while one is out
    h.conn.respond(5, status(413), { endStream: true });
    h.conn.discardRequestBody(5);
    h.send(frames.data(3, 5, { endStream: true })); // stream 3 ends on its own: no reset for it
    expect(summary(h.take())).toEqual(['HEADERS 5 ES']);
    h.send(frames.ping((first[0] as { opaqueData: Uint8Array }).opaqueData, true));
    // Stream 1 reset; stream 5 ended after that PING: a new one covers it.
    const after = h.take();
    expect(summary(after)).toEqual(['RST_STREAM 1 NO_ERROR', 'PING']);
    h.send(frames.ping((after[1] as { opaqueData: Uint8Array }).opaqueData, true));
    expect(summary(h.take())).toEqual(['RST_STREAM 5 NO_ERROR']);
  });

  it('a body the client ends is not reset: the stream ends normally', () => {
    const h = uploading();
    h.conn.respond(1, status(200), { endStream: true });
    h.conn.discardRequestBody(1);
    h.take();
    h.events();
    h.send(frames.data(1, 50, { endStream: true }));
    expect(summary(h.take()).filter((f) => f.startsWith('RST_STREAM'))).toEqual([]);
    expect(h.events().map((e) => e.kind)).toEqual(['streamEnded']);
  });

  it('returns the credit of data received and not consumed', () => {
    const h = uploading();
    h.send(frames.data(1, 60));
    h.take();
    h.conn.discardRequestBody(1);
    expect(summary(h.take())).toEqual(['WINDOW_UPDATE 1 60']);
    expect(h.conn.receiveWindow(1)).toBe(100);
  });

  it('is for the server role; a stream that is gone returns false', () => {
    const client = Harness.ready({ role: 'client' });
    expect(() => client.conn.discardRequestBody(1)).toThrow(H2UsageError);
    const h = uploading();
    h.send(frames.rst(1));
    expect(h.conn.discardRequestBody(1)).toBe(false);
    expect(() => h.conn.discardRequestBody(9)).toThrow(H2UsageError);
  });
});

describe('RFC 9110 §6.4.1 responses without content: responseHasNoContent', () => {
  it('HEAD, 204 and 304 have none; the core refuses content on them', () => {
    expect([responseHasNoContent('HEAD', 200), responseHasNoContent('GET', 204)]).toEqual([true, true]);
    expect([responseHasNoContent('GET', 304), responseHasNoContent('GET', 200)]).toEqual([true, false]);
    const h = Harness.ready({ role: 'server' });
    h.send(frames.headers(1).request('HEAD', '/').endStream());
    h.conn.respond(1, status(200));
    expect(() => h.conn.sendData(1, new Uint8Array(1))).toThrow(H2UsageError);
  });
});
