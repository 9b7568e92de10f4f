import { describe, expect, it } from 'vitest';
import { bytes, FakeExchange, tick } from '../test/fake-exchange.js';
import { ExchangeRequest, lazyRequestsWork } from './exchange-request.js';
import { requestFromExchange } from './request-from-exchange.js';

describe('ExchangeRequest (a Request built lazily)', () => {
  it('is used on this runtime, and passes for a Request', () => {
    expect(lazyRequestsWork).toBe(true);
    const request = requestFromExchange(new FakeExchange('GET', '/x'));
    expect(request).toBeInstanceOf(ExchangeRequest);
    expect(request).toBeInstanceOf(Request);
  });

  it('can be copied by undici (`new Request(request)`, `new Request(url, request)`) with its method, headers and body', async () => {
    const ex = new FakeExchange('POST', '/up', [{ name: 'content-type', value: 'text/plain' }]);
    const request = requestFromExchange(ex);
    const copy = new Request(request);
    expect(copy.url).toBe('https://example.test/up');
    expect(copy.method).toBe('POST');
    expect(copy.headers.get('content-type')).toBe('text/plain');
    const text = copy.text();
    await tick(); // the fake's chunks are a plain Subject: push once the body is being read
    ex.chunks.next(bytes('payload'));
    ex.endBody();
    expect(await text).toBe('payload');
    const other = new Request('https://elsewhere.test/', requestFromExchange(new FakeExchange('PUT', '/')));
    expect(other.method).toBe('PUT');
  });

  it('reads its body through the Fetch methods, then reports it used', async () => {
    const ex = new FakeExchange('POST', '/json');
    const request = requestFromExchange(ex);
    expect(request.bodyUsed).toBe(false);
    const json = request.json();
    await tick();
    ex.chunks.next(bytes('{"a":1}'));
    ex.endBody();
    expect(await json).toEqual({ a: 1 });
    expect(request.bodyUsed).toBe(true);
    await expect(request.text()).rejects.toThrow(TypeError);
  });

  it('arrayBuffer() reads the whole body in its own way (presized by content-length), then reports it used', async () => {
    for (const declared of [undefined, '11', '3', '1000']) {
      const fields = declared === undefined ? [] : [{ name: 'content-length', value: declared }];
      const ex = new FakeExchange('POST', '/upload', fields);
      const request = requestFromExchange(ex);
      const whole = request.arrayBuffer();
      await tick();
      ex.chunks.next(bytes('hello '));
      ex.chunks.next(bytes('world'));
      ex.endBody();
      expect(new TextDecoder().decode(await whole)).toBe('hello world');
      expect(request.bodyUsed).toBe(true);
      await expect(request.arrayBuffer()).rejects.toThrow(/already been read/);
    }
    expect((await requestFromExchange(new FakeExchange('GET', '/')).arrayBuffer()).byteLength).toBe(0);
  });

  it('answers the other Request members from a real Request made once', () => {
    const request = requestFromExchange(new FakeExchange('GET', '/'));
    expect(request.cache).toBe('default');
    expect(request.redirect).toBe('follow');
    const clone = request.clone();
    expect(clone.url).toBe(request.url);
    expect(clone).not.toBe(request);
  });

  it('aborts its signal with the exchange', () => {
    const ex = new FakeExchange('GET', '/');
    const request = requestFromExchange(ex);
    expect(request.signal.aborted).toBe(false);
    ex.abort.abort(new Error('reset'));
    expect(request.signal.aborted).toBe(true);
  });

  it('rejects a target that does not form a URL', () => {
    expect(() => requestFromExchange(new FakeExchange('GET', '/', [], 'https', 'bad host'))).toThrow(
      TypeError,
    );
  });
});

// `arrayBuffer()` reads the pulled body itself instead of through an undici Request, so it has to
// keep the Fetch body rules on its own (https://fetch.spec.whatwg.org/#concept-body-consume-body).
describe('ExchangeRequest.arrayBuffer and the Fetch body rules', () => {
  it('touching body alone does not make it used', () => {
    const post = requestFromExchange(new FakeExchange('POST', '/'));
    expect(post.body).not.toBeNull();
    expect(post.bodyUsed).toBe(false);
  });

  it('reads through the stream when the handler touched `body` first', async () => {
    const ex = new FakeExchange('POST', '/', [{ name: 'content-length', value: '4' }]);
    const request = requestFromExchange(ex);
    const stream = request.body;
    const whole = request.arrayBuffer();
    await tick();
    ex.chunks.next(bytes('seen'));
    ex.endBody();
    expect(new TextDecoder().decode(await whole)).toBe('seen');
    expect(request.body).toBe(stream);
    expect(stream?.locked).toBe(true);
    expect(request.bodyUsed).toBe(true);
    expect(ex.acked).toBe(4);
  });

  it('read without a stream, leaves `body` as Fetch leaves a consumed one: locked, disturbed, and unusable', async () => {
    const ex = new FakeExchange('POST', '/', [{ name: 'content-length', value: '2' }]);
    const request = requestFromExchange(ex);
    const whole = request.arrayBuffer();
    ex.chunks.next(bytes('ok'));
    ex.endBody();
    expect(new TextDecoder().decode(await whole)).toBe('ok');
    expect(ex.acked).toBe(2);
    expect(request.bodyUsed).toBe(true);
    expect(request.body?.locked).toBe(true);
    expect(request.bodyUsed).toBe(true);
    await expect(request.text()).rejects.toThrow(TypeError);
    expect(() => request.clone()).toThrow(TypeError);
  });

  it('rejects with a TypeError when a reader has locked the body', async () => {
    const locked = requestFromExchange(new FakeExchange('POST', '/'));
    locked.body?.getReader();
    await expect(locked.arrayBuffer()).rejects.toThrow('Body is unusable: Body has already been read');
    // The other body methods go through a real Request: they reject too, rather than throw.
    const text = locked.text();
    await expect(text).rejects.toThrow(TypeError);
    expect(locked.bodyUsed).toBe(false); // locked, not read: unusable but unused, as in Fetch
  });

  it('reads through the real Request once one was made (clone() made it)', async () => {
    const ex = new FakeExchange('POST', '/');
    const request = requestFromExchange(ex);
    const clone = request.clone();
    ex.chunks.next(bytes('both'));
    ex.endBody();
    expect(await clone.text()).toBe('both');
    expect(request.bodyUsed).toBe(false); // the clone's branch was read, not the original's
    expect(new TextDecoder().decode(await request.arrayBuffer())).toBe('both');
    expect(request.bodyUsed).toBe(true);
  });
});
