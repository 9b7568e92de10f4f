import { describe, expect, it } from 'vitest';
import { FastResponse } from './fast-response.js';

describe('FastResponse', () => {
  it('passes for a Response and stays lazy while only status, ok and statusText are read', () => {
    const r = new FastResponse('hi', { status: 201, statusText: 'Made' });
    expect(r).toBeInstanceOf(Response);
    expect([r.status, r.ok, r.statusText]).toEqual([201, true, 'Made']);
    expect(r.fastParts()).toEqual({
      status: 201,
      fields: [{ name: 'content-type', value: 'text/plain;charset=UTF-8' }],
      body: 'hi',
    });
  });

  it('materializes a real Response for everything else, with the same content', async () => {
    const r = new FastResponse('{"a":1}', { status: 202, headers: { 'X-A': 'b' } });
    expect(r.headers.get('x-a')).toBe('b');
    expect(r.fastParts()).toBeUndefined(); // from now on it is sent as the Response it became
    expect(r.clone().status).toBe(202);
    expect(await r.json()).toEqual({ a: 1 });
    expect(r.bodyUsed).toBe(true);
  });

  it("is accepted by undici's own functions (new Response(r.body), new Request body)", async () => {
    const copy = new Response(new FastResponse('copied').body);
    expect(await copy.text()).toBe('copied');
  });

  it('sends bytes, ArrayBuffers and streams as they are, without a default content-type', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(new FastResponse(bytes).fastParts()?.body).toBe(bytes);
    expect(new FastResponse(bytes.buffer).fastParts()?.body).toEqual(bytes);
    expect(new FastResponse(new DataView(bytes.buffer, 1)).fastParts()?.body).toEqual(new Uint8Array([2, 3]));
    const stream = new ReadableStream<Uint8Array>();
    const parts = new FastResponse(stream).fastParts();
    expect(parts?.body).toBe(stream);
    expect(parts?.fields).toEqual([]);
    expect(new FastResponse(null, { status: 204 }).fastParts()?.body).toBeUndefined();
  });

  it('leaves Fetch-encoded bodies (Blob, FormData, URLSearchParams) to a real Response', async () => {
    const form = new FastResponse(new URLSearchParams({ a: '1' }));
    expect(form.fastParts()).toBeUndefined();
    expect(form.headers.get('content-type')).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(await form.text()).toBe('a=1');
  });

  it('keeps an explicit content-type, lowercases names, drops connection-specific fields', () => {
    const parts = new FastResponse('x', {
      headers: [
        ['Content-Type', 'text/html'],
        ['Connection', 'close'],
        ['Set-Cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ],
    }).fastParts();
    expect(parts?.fields).toEqual([
      { name: 'content-type', value: 'text/html' },
      { name: 'set-cookie', value: 'a=1' },
      { name: 'set-cookie', value: 'b=2' },
    ]);
  });

  it('normalises and rejects header values as the Response constructor does', () => {
    expect(new FastResponse(null, { headers: { a: '  padded\t' } }).fastParts()?.fields).toEqual([
      { name: 'a', value: 'padded' },
    ]);
    expect(() => new FastResponse(null, { headers: { 'bad name': 'x' } })).toThrow(TypeError);
    expect(() => new Response(null, { headers: { 'bad name': 'x' } })).toThrow(TypeError);
    expect(() => new FastResponse(null, { headers: { a: 'line\nbreak' } })).toThrow(TypeError);
  });

  it('checks the status as the Response constructor does', () => {
    expect(() => new FastResponse(null, { status: 99 })).toThrow(RangeError);
    expect(() => new FastResponse(null, { status: 600 })).toThrow(RangeError);
    expect(() => new FastResponse('body', { status: 204 })).toThrow(TypeError);
    expect(() => new FastResponse('body', { status: 304 })).toThrow(TypeError);
  });

  it('FastResponse.json labels JSON unless told otherwise; the Response statics still work', async () => {
    const json = FastResponse.json({ ok: true }, { status: 201 });
    expect(json.fastParts()).toEqual({
      status: 201,
      fields: [{ name: 'content-type', value: 'application/json' }],
      body: '{"ok":true}',
    });
    const typed = FastResponse.json([1], { headers: { 'content-type': 'application/vnd.x+json' } });
    expect(typed.fastParts()?.fields).toEqual([{ name: 'content-type', value: 'application/vnd.x+json' }]);
    expect(() => FastResponse.json(undefined)).toThrow(TypeError);
    const redirect = FastResponse.redirect('https://example.test/', 307);
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('location')).toBe('https://example.test/');
  });
});
