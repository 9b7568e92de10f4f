import { afterEach, describe, expect, it } from 'vitest';
import { FastResponse, NativeResponse } from './fast-response.js';
import { LazyGlobalResponse, replaceGlobalResponse } from './global-response.js';
import { responseParts } from './response-to-exchange.js';
import { serve } from './serve.js';

afterEach(() => {
  globalThis.Response = NativeResponse;
});

describe('replaceGlobalResponse', () => {
  it('makes `new Response` lazy while every Response, undici-made ones too, stays `instanceof Response`', async () => {
    expect(replaceGlobalResponse()).toBe(true);
    const lazy = new Response('hi', { status: 201, headers: { 'x-a': 'b' } });
    expect(lazy).toBeInstanceOf(FastResponse);
    expect(lazy).toBeInstanceOf(Response);
    expect(lazy).toBeInstanceOf(NativeResponse);
    expect(new NativeResponse('native')).toBeInstanceOf(Response);
    expect(Response.error()).toBeInstanceOf(Response);
    expect(Response.redirect('http://example.com/', 302).headers.get('location')).toBe('http://example.com/');
    expect({}).not.toBeInstanceOf(Response);
    expect(Response.name).toBe('Response');
    expect(Object.prototype.toString.call(lazy)).toBe('[object Response]');
    // Sent from its arguments, without building undici's Response (and its ReadableStream).
    expect(responseParts(lazy, 'GET')).toMatchObject({
      status: 201,
      body: 'hi',
      fields: [
        { name: 'x-a', value: 'b' },
        { name: 'content-type', value: 'text/plain;charset=UTF-8' },
      ],
    });
    // Everything else a Response does, it does.
    expect(lazy.headers.get('x-a')).toBe('b');
    expect(await lazy.clone().text()).toBe('hi');
    expect(await Response.json({ a: 1 }).json()).toEqual({ a: 1 });
  });

  it('copies a byte body when made, as Fetch does, so a buffer reused afterwards changes nothing sent', async () => {
    replaceGlobalResponse();
    const buffer = new Uint8Array([1, 2, 3, 4]);
    const fromView = new Response(buffer.subarray(1, 3));
    const fromArrayBuffer = new Response(buffer.buffer);
    buffer.fill(9);
    expect(responseParts(fromView, 'GET').body).toEqual(new Uint8Array([2, 3]));
    expect(new Uint8Array(await fromArrayBuffer.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3, 4]));
  });

  it('refuses a locked ReadableStream body with the TypeError Fetch throws', () => {
    replaceGlobalResponse();
    const stream = new ReadableStream();
    stream.getReader();
    expect(() => new Response(stream)).toThrow(TypeError);
    expect(() => new NativeResponse(stream)).toThrow(TypeError);
  });

  it('keeps the checks of the Response constructor', () => {
    replaceGlobalResponse();
    expect(() => new Response('x', { status: 99 })).toThrow(RangeError);
    expect(() => new Response('x', { status: 204 })).toThrow(TypeError);
    expect(() => new Response(null, { headers: { 'bad name': 'x' } })).toThrow(TypeError);
  });

  it('lets a class that extends the global keep its own instanceof and be read through its overrides', () => {
    replaceGlobalResponse();
    class Plain extends Response {}
    class Tagged extends Response {
      override get headers(): Headers {
        return new Headers({ 'x-tagged': 'yes' });
      }
    }
    const tagged = new Tagged('t');
    expect(tagged).toBeInstanceOf(Tagged);
    expect(new Response('x')).not.toBeInstanceOf(Tagged);
    expect(new NativeResponse('x')).not.toBeInstanceOf(Plain);
    expect(responseParts(new Plain('p'), 'GET').body).toBe('p'); // adds nothing: still sent directly
    expect(responseParts(tagged, 'GET').fields).toEqual([{ name: 'x-tagged', value: 'yes' }]);
  });

  it('leaves a global another library installed in place', () => {
    class Other extends NativeResponse {}
    globalThis.Response = Other;
    expect(replaceGlobalResponse()).toBe(false);
    expect(globalThis.Response).toBe(Other);
    expect(LazyGlobalResponse).not.toBe(Other);
  });

  it('is what serve() does, unless told replaceGlobalResponse: false', async () => {
    const kept = await serve(() => new Response('x'), { port: 0, replaceGlobalResponse: false });
    expect(globalThis.Response).toBe(NativeResponse);
    const replaced = await serve(() => new Response('x'), { port: 0 });
    expect(globalThis.Response).toBe(LazyGlobalResponse);
    await Promise.all([kept.close(), replaced.close()]);
  });
});
