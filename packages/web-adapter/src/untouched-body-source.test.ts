import { describe, expect, it } from 'vitest';
import { untouchedBodySource } from './untouched-body-source.js';

describe('untouchedBodySource', () => {
  it('gives the string or bytes an untouched Response was built from', () => {
    expect(untouchedBodySource(new Response('hi'))).toBe('hi');
    const json = untouchedBodySource(Response.json({ a: 1 })); // undici encodes JSON to bytes
    expect(typeof json === 'string' ? json : new TextDecoder().decode(json)).toBe('{"a":1}');
    expect(untouchedBodySource(new Response(new Uint8Array([1, 2])))).toEqual(new Uint8Array([1, 2]));
  });

  it('gives nothing once the body was read, even partly, or is locked', async () => {
    const read = new Response('whole');
    await read.text();
    expect(untouchedBodySource(read)).toBeUndefined();

    const partly = new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(new Uint8Array([1]));
          c.enqueue(new Uint8Array([2]));
          c.close();
        },
      }),
    );
    const reader = (partly.body as ReadableStream).getReader();
    await reader.read();
    expect(untouchedBodySource(partly)).toBeUndefined();
    reader.releaseLock();
    expect(untouchedBodySource(partly)).toBeUndefined();

    const locked = new Response('x');
    (locked.body as ReadableStream).getReader();
    expect(untouchedBodySource(locked)).toBeUndefined();
  });

  it('gives nothing for bodies with no plain source (streams, Blobs, none)', () => {
    expect(untouchedBodySource(new Response(new ReadableStream()))).toBeUndefined();
    expect(untouchedBodySource(new Response(new Blob(['b'])))).toBeUndefined();
    expect(untouchedBodySource(new Response(null))).toBeUndefined();
  });

  it('still gives the whole source after clone() (both copies hold the same content)', async () => {
    const original = new Response('shared');
    const copy = original.clone();
    expect(untouchedBodySource(original)).toBe('shared');
    expect(await copy.text()).toBe('shared');
  });
});
