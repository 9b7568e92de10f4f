/**
 * A handler that never reads its request body, against node:http2 uploading 64 MiB on loopback:
 * the upload stalls at the stream window we advertised (RFC 9113 §6.9: no credit goes back for
 * octets nobody consumed), the connection keeps serving other requests meanwhile, and once the
 * handler answers without reading, the rest is not wanted: the stream is reset with NO_ERROR after
 * the complete response (§8.1), so the client stops sending.
 */
import http2 from 'node:http2';
import { Readable } from 'node:stream';
import { tap } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerExchange } from '../src/tubes/exchange-types.js';
import { closeAll, onClose, startServer, until } from './helpers/loopback.js';

afterEach(closeAll);

/** RFC 9113 §6.9.2: the initial stream window, which our server advertises by default. */
const STREAM_WINDOW = 65_535;
const UPLOAD = 64 << 20;
const CHUNK = 1 << 20;

/** The status and text of a node:http2 response. */
function answerOf(req: http2.ClientHttp2Stream): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let text = '';
    req.on('response', (h) => {
      status = Number(h[':status']);
    });
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      text += c;
    });
    req.on('end', () => resolve({ status, text }));
    req.on('error', reject);
  });
}

const get = (client: http2.ClientHttp2Session, path: string) => answerOf(client.request({ ':path': path }));

describe('an upload the handler never reads (RFC 9113 §6.9, §8.1)', () => {
  it('stalls at the advertised stream window while other requests are answered; answering unread resets it with NO_ERROR after the response', async () => {
    /** DATA octets received on the upload's stream (flow-controlled: padding included). */
    let received = 0;
    /** What the server wrote, in order, as `TYPE stream detail`. */
    const sent: string[] = [];
    let upload: ServerExchange | undefined;
    const { port } = await startServer(
      (ex) => {
        if (ex.path === '/upload')
          upload = ex; // never read, answered later
        else ex.respond(200, [], `answered ${ex.path}`);
      },
      {
        stages: {
          afterParse: tap((f) => {
            if (f.type === 'DATA' && f.streamId === 1) received += f.data.length + (f.padLength ?? 0);
          }),
          beforeEncode: tap((f) => {
            if (f.type === 'DATA') sent.push(`DATA ${f.streamId}${f.endStream ? ' END_STREAM' : ''}`);
            else if (f.type === 'RST_STREAM') sent.push(`RST_STREAM ${f.streamId} ${f.errorCode}`);
            else if (f.type === 'WINDOW_UPDATE')
              sent.push(`WINDOW_UPDATE ${f.streamId} ${f.windowSizeIncrement}`);
            else if (f.type === 'GOAWAY') sent.push(`GOAWAY ${f.errorCode}`);
          }),
        },
      },
    );

    const client = http2.connect(`http://127.0.0.1:${port}`);
    onClose(() => client.destroy());
    const req = client.request({ ':method': 'POST', ':path': '/upload' });
    /** What the client's application managed to hand to its stream (pulled by `pipe`). */
    let generated = 0;
    const chunk = Buffer.alloc(CHUNK, 5);
    Readable.from(
      (function* () {
        while (generated < UPLOAD) {
          generated += CHUNK;
          yield chunk;
        }
      })(),
    ).pipe(req);
    const response = answerOf(req);
    const closed = new Promise<number | undefined>((r) => req.on('close', () => r(req.rstCode)));

    // Stalled: the stream window is used up and none of it comes back while nobody reads.
    await until(() => received >= STREAM_WINDOW);
    await new Promise((r) => setTimeout(r, 300));
    expect(upload).toBeDefined();
    expect(received).toBe(STREAM_WINDOW);
    expect(sent.filter((s) => s.startsWith('WINDOW_UPDATE 1 '))).toEqual([]);
    expect(generated).toBeLessThan(UPLOAD); // node's stream buffer pushed back on the generator

    // The connection is not stalled with it: another request is answered meanwhile.
    expect(await get(client, '/other')).toEqual({ status: 200, text: 'answered /other' });
    expect(received).toBe(STREAM_WINDOW);

    // Answering without reading: the response goes out whole, then RST_STREAM NO_ERROR.
    (upload as ServerExchange).respond(200, [], 'answered without reading');
    expect(await response).toEqual({ status: 200, text: 'answered without reading' });
    expect(await closed).toBe(http2.constants.NGHTTP2_NO_ERROR);
    const end = sent.indexOf('DATA 1 END_STREAM');
    const reset = sent.indexOf('RST_STREAM 1 NO_ERROR');
    expect(end).toBeGreaterThanOrEqual(0);
    expect(reset).toBeGreaterThan(end);
    // The held octets were credited back when discarded, and the first DATA past that credit
    // was answered by the reset: the client sent at most two windows, not 64 MiB.
    expect(received).toBeLessThanOrEqual(2 * STREAM_WINDOW);
    expect(generated).toBeLessThan(UPLOAD);

    // The connection goes on.
    expect(await get(client, '/after')).toEqual({ status: 200, text: 'answered /after' });
    expect(sent.some((s) => s.startsWith('GOAWAY'))).toBe(false);
    client.close();
  });
});
