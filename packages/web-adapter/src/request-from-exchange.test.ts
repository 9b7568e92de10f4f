import { describe, expect, it } from 'vitest';
import { bytes, FakeExchange, tick } from '../test/fake-exchange.js';
import { requestTrailers } from './request-context.js';
import { requestFromExchange } from './request-from-exchange.js';

describe('requestFromExchange', () => {
  it('builds the URL from :scheme, :authority and :path (RFC 9113 §8.3.1)', () => {
    const request = requestFromExchange(new FakeExchange('GET', '/a/b?c=1'));
    expect(request.url).toBe('https://example.test/a/b?c=1');
    expect(request.method).toBe('GET');
  });

  it('falls back to the host header when :authority is absent (RFC 9113 §8.3.1)', () => {
    const ex = new FakeExchange('GET', '/', [{ name: 'host', value: 'h.test:81' }], 'http', null);
    expect(requestFromExchange(ex).url).toBe('http://h.test:81/');
  });

  it('maps regular fields to headers and skips pseudo-headers, keeping repeats', () => {
    const ex = new FakeExchange('GET', '/', [
      { name: 'accept', value: 'text/html' },
      { name: 'x-a', value: '1' },
      { name: 'x-a', value: '2' },
    ]);
    const request = requestFromExchange(ex);
    expect(request.headers.get('accept')).toBe('text/html');
    expect(request.headers.get('x-a')).toBe('1, 2');
    expect([...request.headers.keys()].some((k) => k.startsWith(':'))).toBe(false);
  });

  it('gives GET no body and does not subscribe to the stream body', () => {
    const ex = new FakeExchange('GET', '/');
    expect(requestFromExchange(ex).body).toBeNull();
    expect(ex.body.reading).toBe(false);
  });

  it('streams a POST body and acks each chunk only when the reader takes it (RFC 9113 §5.2)', async () => {
    const ex = new FakeExchange('POST', '/upload');
    const request = requestFromExchange(ex);
    const reader = (request.body as ReadableStream<Uint8Array>).getReader();
    const first = reader.read();
    await tick();
    expect(ex.body.reading).toBe(true);
    ex.chunks.next(bytes('hello'));
    ex.chunks.next(bytes('world!'));
    expect(new TextDecoder().decode((await first).value)).toBe('hello');
    // 'world!' arrived but nobody read it: its credit stays with us.
    expect(ex.acked).toBe(5);
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('world!');
    expect(ex.acked).toBe(11);
    ex.endBody();
    expect((await reader.read()).done).toBe(true);
  });

  it('acks nothing for a body nobody reads', async () => {
    const ex = new FakeExchange('PUT', '/');
    requestFromExchange(ex);
    ex.chunks.next(bytes('unread'));
    await new Promise((r) => setTimeout(r, 5));
    expect(ex.acked).toBe(0);
  });

  it('errors the body stream when the stream is reset', async () => {
    const ex = new FakeExchange('POST', '/');
    const request = requestFromExchange(ex);
    const text = request.text();
    await tick();
    ex.chunks.error(new Error('RST_STREAM'));
    await expect(text).rejects.toThrow();
  });

  it('aborts request.signal when the exchange signal aborts (peer reset)', () => {
    const ex = new FakeExchange('GET', '/');
    const request = requestFromExchange(ex);
    expect(request.signal.aborted).toBe(false);
    ex.abort.abort();
    expect(request.signal.aborted).toBe(true);
  });

  it('exposes request trailers through requestTrailers (RFC 9113 §8.1)', async () => {
    const ex = new FakeExchange('POST', '/');
    const request = requestFromExchange(ex);
    const body = request.text();
    await tick();
    ex.chunks.next(bytes('x'));
    ex.endBody([{ name: 'x-checksum', value: 'abc' }]);
    expect(await body).toBe('x');
    expect((await requestTrailers(request)).get('x-checksum')).toBe('abc');
  });

  it('resolves requestTrailers empty, not rejected, when the stream ends without them (reset)', async () => {
    class ResetExchange extends FakeExchange {
      override readonly trailers = Promise.reject(new Error('RST_STREAM CANCEL'));
    }
    const ex = new ResetExchange('POST', '/');
    ex.trailers.catch(() => {}); // read by the adapter only when asked
    const request = requestFromExchange(ex);
    const trailers = await requestTrailers(request);
    expect([...trailers]).toEqual([]);
  });

  it('maps an asterisk-form target to / so that a URL can be built', () => {
    expect(requestFromExchange(new FakeExchange('OPTIONS', '*')).url).toBe('https://example.test/');
  });

  it('rejects a target that forms no valid URL, however often its authority was valid before', () => {
    const request =
      (authority: string, path = '/', scheme = 'http') =>
      () =>
        requestFromExchange(new FakeExchange('GET', path, [], scheme, authority));
    for (let i = 0; i < 3; i++) {
      expect(request('cached.test:8080', `/a/${i}?q=${i}#f`)).not.toThrow();
      expect(request('cached.test:99999')).toThrow(TypeError); // port out of range
      expect(request('bad host.test')).toThrow(TypeError);
      expect(request('[::1')).toThrow(TypeError);
    }
    expect(request('cached.test:8080', '/', 'https')).not.toThrow();
    // An empty authority: the path's slashes become the authority, so validity depends on the path
    // (http:////h is http://h/, http:/// has no host) and the first answer must not be remembered.
    expect(request('', '//h')).not.toThrow();
    expect(request('')).toThrow(TypeError);
    // Nor for one with a delimiter: 'h@' gives an empty host whatever follows.
    expect(request('u@h')).not.toThrow();
    expect(request('u@')).toThrow(TypeError);
  });

  it('still checks every target once more authorities were seen than it remembers', () => {
    for (let i = 0; i < 200; i++)
      expect(requestFromExchange(new FakeExchange('GET', '/', [], 'https', `h${i}.test`)).url).toBe(
        `https://h${i}.test/`,
      );
    expect(() => requestFromExchange(new FakeExchange('GET', '/', [], 'https', 'h 1.test'))).toThrow(
      TypeError,
    );
    // A scheme other than http(s): each target is parsed.
    expect(requestFromExchange(new FakeExchange('GET', '/x', [], 'wss', 'h0.test')).url).toBe(
      'wss://h0.test/x',
    );
    expect(() => requestFromExchange(new FakeExchange('GET', '/', [], 'ws', 'x y'))).toThrow(TypeError);
  });
});
