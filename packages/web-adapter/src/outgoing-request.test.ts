import { describe, expect, it } from 'vitest';
import { outgoingRequest } from './outgoing-request.js';

const base = new URL('http://127.0.0.1:8080');

describe('outgoingRequest', () => {
  it('reads a plain call directly: method normalized, URL resolved, no body', () => {
    const r = outgoingRequest(
      '/api/time?x=1',
      { method: 'get', headers: { Accept: 'application/json' } },
      base,
    );
    expect(r.method).toBe('GET');
    expect(r.url.href).toBe('http://127.0.0.1:8080/api/time?x=1');
    expect(r.fields).toEqual([{ name: 'accept', value: 'application/json' }]);
    expect(r.body).toBeUndefined();
  });

  it('labels a string body as Fetch does, keeps an explicit type, and leaves host to :authority', () => {
    expect(outgoingRequest('/a', { method: 'POST', body: 'hi' }, base).fields).toEqual([
      { name: 'content-type', value: 'text/plain;charset=UTF-8' },
    ]);
    const typed = outgoingRequest(
      '/a',
      {
        method: 'PUT',
        body: '{}',
        headers: [
          ['Content-Type', 'application/json'],
          ['Host', 'elsewhere'],
        ],
      },
      base,
    );
    expect(typed.fields).toEqual([{ name: 'content-type', value: 'application/json' }]);
    expect(typed.body).toBe('{}');
  });

  it('copies a bytes body at the call, as Fetch does', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const r = outgoingRequest('/a', { method: 'POST', body: bytes }, base);
    const fromBuffer = outgoingRequest('/a', { method: 'POST', body: bytes.buffer }, base);
    bytes[0] = 9;
    expect(r.body).toEqual(new Uint8Array([1, 2, 3]));
    expect(fromBuffer.body).toEqual(new Uint8Array([1, 2, 3]));
    expect(fromBuffer.fields).toEqual([]); // bytes get no default content-type
  });

  it('goes through a real Request for the rest: Request input, FormData, other methods and members', async () => {
    const fromRequest = outgoingRequest(
      new Request('http://127.0.0.1:8080/r', { headers: { 'x-a': '1' } }),
      undefined,
      base,
    );
    expect([fromRequest.method, fromRequest.url.pathname, fromRequest.fields]).toEqual([
      'GET',
      '/r',
      [{ name: 'x-a', value: '1' }],
    ]);
    const form = new FormData();
    form.set('k', 'v');
    const multipart = outgoingRequest('/f', { method: 'POST', body: form }, base);
    expect(multipart.fields[0]?.value).toMatch(/^multipart\/form-data; boundary=/);
    expect(multipart.body).toBeInstanceOf(ReadableStream);
    expect(outgoingRequest('/p', { method: 'patch' }, base).method).toBe('patch'); // Fetch keeps its case
    expect(outgoingRequest('/c', { cache: 'no-store' }, base).method).toBe('GET');
  });

  it("throws Fetch's TypeErrors: a GET with a body, an invalid header name", () => {
    expect(() => outgoingRequest('/a', { body: 'x' }, base)).toThrow(TypeError);
    expect(() => outgoingRequest('/a', { headers: { 'bad name': 'x' } }, base)).toThrow(TypeError);
  });
});
