import { describe, expect, it } from 'vitest';
import { bodyText, FakeExchange } from '../test/fake-exchange.js';
import { requestFromExchange } from './request-from-exchange.js';
import {
  earlyHints,
  respondToExchange,
  responseHasBody,
  responseParts,
  withTrailers,
} from './response-to-exchange.js';

describe('responseParts', () => {
  it('lowercases names and drops connection-specific fields (RFC 9113 §8.2.2)', () => {
    const response = new Response('x', {
      headers: {
        'X-Thing': 'A',
        Connection: 'keep-alive',
        'Keep-Alive': 'timeout=5',
        'Transfer-Encoding': 'chunked',
        Upgrade: 'h2c',
      },
    });
    const { fields } = responseParts(response, 'GET');
    const names = fields.map((f) => f.name);
    expect(names).toContain('x-thing');
    for (const n of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade'])
      expect(names).not.toContain(n);
  });

  it('keeps te only as "trailers", the one value HTTP/2 allows (RFC 9113 §8.2.2)', () => {
    expect(responseParts(new Response(null, { headers: { te: 'gzip' } }), 'GET').fields).toEqual([]);
    expect(responseParts(new Response(null, { headers: { te: 'trailers' } }), 'GET').fields).toEqual([
      { name: 'te', value: 'trailers' },
    ]);
  });

  it('keeps each set-cookie as its own field', () => {
    const h = new Headers();
    h.append('set-cookie', 'a=1');
    h.append('set-cookie', 'b=2');
    const { fields } = responseParts(new Response(null, { headers: h }), 'GET');
    expect(fields.filter((f) => f.name === 'set-cookie').map((f) => f.value)).toEqual(['a=1', 'b=2']);
  });

  it('sends the string an untouched Response was made from as it is', () => {
    const { body, status } = responseParts(new Response('hello', { status: 201 }), 'GET');
    expect(status).toBe(201);
    expect(body).toBe('hello');
  });

  it('passes a Response body stream itself as the body source', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('hello'));
        c.close();
      },
    });
    const { body } = responseParts(new Response(stream), 'GET');
    expect(body).toBeInstanceOf(ReadableStream);
    expect(await bodyText(body)).toBe('hello');
  });

  it('sends no body for HEAD but keeps content-length (RFC 9110 §9.3.2)', () => {
    const { body, fields } = responseParts(
      new Response('hello', { headers: { 'content-length': '5' } }),
      'HEAD',
    );
    expect(body).toBeUndefined();
    expect(fields).toContainEqual({ name: 'content-length', value: '5' });
  });

  it('sends no body for 204 and 304 (RFC 9110 §15.3.5, §15.4.5)', () => {
    expect(responseHasBody('GET', 204)).toBe(false);
    expect(responseHasBody('GET', 304)).toBe(false);
    expect(responseHasBody('GET', 200)).toBe(true);
  });

  it('turns trailers attached with withTrailers into fields after the body (RFC 9113 §8.1)', async () => {
    const response = withTrailers(
      new Response('m'),
      Promise.resolve({ 'grpc-status': '0', 'Grpc-Message': 'ok' }),
    );
    const { trailers } = responseParts(response, 'POST');
    // Names lowercased, in the order given (a plain record does not go through Headers' sorting).
    expect(await trailers).toEqual([
      { name: 'grpc-status', value: '0' },
      { name: 'grpc-message', value: 'ok' },
    ]);
  });

  it('has no trailers when none were attached', () => {
    expect(responseParts(new Response('m'), 'GET').trailers).toBeUndefined();
  });
});

describe('respondToExchange and earlyHints', () => {
  it('answers the exchange with status, fields, body and trailers', async () => {
    const ex = new FakeExchange('GET', '/');
    respondToExchange(ex, withTrailers(new Response('body', { status: 202 }), { 'x-t': '1' }), 'GET');
    const r = await ex.response;
    expect(r.status).toBe(202);
    expect(await bodyText(r.body)).toBe('body');
    expect(await r.trailers).toEqual([{ name: 'x-t', value: '1' }]);
  });

  it('sends 103 Early Hints with link fields through the exchange (RFC 8297)', () => {
    const ex = new FakeExchange('GET', '/');
    const request = requestFromExchange(ex);
    expect(earlyHints(request, ['</a.css>; rel=preload; as=style', '</b.js>; rel=preload; as=script'])).toBe(
      true,
    );
    expect(ex.informational).toEqual([
      {
        status: 103,
        fields: [
          { name: 'link', value: '</a.css>; rel=preload; as=style' },
          { name: 'link', value: '</b.js>; rel=preload; as=script' },
        ],
      },
    ]);
  });

  it('reports false for early hints on a Request the adapter did not build', () => {
    expect(earlyHints(new Request('http://x/'), '</a>; rel=preload')).toBe(false);
  });
});
