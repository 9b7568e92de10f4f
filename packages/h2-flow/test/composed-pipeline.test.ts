/**
 * The pipeline is the code (README "Compose your own pipeline"): a server written by hand from
 * the public stages — socket fount, h2-frames' tubes, the connection stage, the server role,
 * socket drain — serves real peers, and any operator fits at any boundary in both directions.
 */
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import {
  assembleFieldBlocks,
  decodeHpack,
  encodeHpack,
  parseFrames,
  serializeFrames,
  splitFrames,
} from '@h2tubes/h2-frames';
import { socketDrain, socketFount, socketRoom } from '@h2tubes/tubes';
import { filter, map, type OperatorFunction, tap } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionStage, FrameCodec, type FrameStages, serverExchanges } from '../src/index.js';
import type { ServerExchange } from '../src/tubes/exchange-types.js';
import { closeAll, onClose, rawPeer, startServer, until } from './helpers/loopback.js';

afterEach(closeAll);

/** One GET (or POST with `body`) over a fresh node:http2 connection. */
async function call(port: number, path: string, body?: string): Promise<{ status: number; text: string }> {
  const client = http2.connect(`http://127.0.0.1:${port}`);
  onClose(() => client.destroy());
  const req = client.request({ ':path': path, ':method': body === undefined ? 'GET' : 'POST' });
  req.end(body);
  const status = await new Promise<number>((r) => req.on('response', (h) => r(Number(h[':status']))));
  let text = '';
  req.setEncoding('utf8');
  for await (const chunk of req) text += chunk;
  client.close();
  return { status, text };
}

const echo = (ex: ServerExchange): void => {
  if (ex.method === 'GET') {
    ex.respond(200, [{ name: 'content-type', value: 'text/plain' }], `you asked for ${ex.path}\n`);
    return;
  }
  const parts: Uint8Array[] = [];
  ex.body.chunks.subscribe({
    next: (c) => parts.push(c.slice()),
    complete: () => ex.respond(200, [], Buffer.concat(parts)),
  });
};

describe('a server composed by hand from the public stages', () => {
  it("serves node:http2 with the README's chain, socket fount to socket drain", async () => {
    const seen: string[] = [];
    // The README sample, with its console.log turned into `seen.push`.
    const server = net.createServer((socket) => {
      const codec = new FrameCodec('server'); // the splitter, HPACK contexts and frame size SETTINGS change
      const h2 = new ConnectionStage({ role: 'server', room: socketRoom(socket) });
      const fount = socketFount(socket, { onUnsubscribe: 'detach' }); // our last GOAWAY still goes out
      // Outbound: the connection's frames → HPACK → one buffer per turn → the socket.
      h2.outbound
        .pipe(
          encodeHpack(codec.encoder),
          serializeFrames(codec.serializer),
          socketDrain(socket, { pause: () => fount.pauseFlow('peer not reading') }),
        )
        .subscribe();
      // Inbound: socket bytes → frames → the connection → one exchange per request.
      fount
        .pipe(
          splitFrames(codec.splitter),
          parseFrames(h2.streamError),
          tap((frame) => seen.push(`← ${frame.type} ${frame.streamId}`)),
          assembleFieldBlocks(),
          decodeHpack(codec.decoder),
          h2.receive,
          tap(codec.follow),
          serverExchanges(h2),
        )
        .subscribe((ex) =>
          ex.respond(200, [{ name: 'content-type', value: 'text/plain' }], `you asked for ${ex.path}\n`),
        );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    onClose(() => server.close());
    const port = (server.address() as AddressInfo).port;

    expect(await call(port, '/composed')).toEqual({ status: 200, text: 'you asked for /composed\n' });
    expect(await call(port, '/again')).toEqual({ status: 200, text: 'you asked for /again\n' });
    expect(seen).toEqual(expect.arrayContaining(['← SETTINGS 0', '← HEADERS 1']));
  });
});

describe('stages at every boundary (FrameStages)', () => {
  it('the same exchanges work with a pass-through operator at all eight boundaries', async () => {
    const counts = new Map<string, number>();
    const pass = <T>(name: string): OperatorFunction<T, T> =>
      map((x: T) => {
        counts.set(name, (counts.get(name) ?? 0) + 1);
        return x;
      });
    const stages: Required<FrameStages> = {
      bytesIn: pass('bytesIn'),
      afterSplit: pass('afterSplit'),
      afterParse: pass('afterParse'),
      afterAssemble: pass('afterAssemble'),
      afterDecode: pass('afterDecode'),
      beforeEncode: pass('beforeEncode'),
      afterEncode: pass('afterEncode'),
      bytesOut: pass('bytesOut'),
    };
    const { port } = await startServer(echo, { stages });
    expect(await call(port, '/p')).toEqual({ status: 200, text: 'you asked for /p\n' });
    expect(await call(port, '/upload', 'x'.repeat(100_000))).toEqual({
      status: 200,
      text: 'x'.repeat(100_000),
    });
    expect([...counts.keys()].sort()).toEqual(Object.keys(stages).sort());
    for (const n of counts.values()) expect(n).toBeGreaterThan(0);
  });

  it('a stage that rewrites headers both ways: the request path before the core, a response field after it', async () => {
    const { port } = await startServer(echo, {
      stages: {
        afterDecode: map((f) =>
          f.type === 'FIELD_BLOCK'
            ? {
                ...f,
                fields: f.fields.map((h) => (h.name === ':path' ? { ...h, value: `/v2${h.value}` } : h)),
              }
            : f,
        ),
        beforeEncode: map((f) =>
          f.type === 'FIELD_BLOCK'
            ? { ...f, fields: [...f.fields, { name: 'x-rewritten', value: 'yes' }] }
            : f,
        ),
      },
    });
    const client = http2.connect(`http://127.0.0.1:${port}`);
    onClose(() => client.destroy());
    const req = client.request({ ':path': '/a' });
    const head = await new Promise<http2.IncomingHttpHeaders>((r) => req.on('response', r));
    let text = '';
    for await (const c of req) text += c;
    expect(head['x-rewritten']).toBe('yes');
    expect(text).toBe('you asked for /v2/a\n');
  });

  it('a stage that drops a frame type: PINGs never reach the core, so none is acknowledged; requests still are', async () => {
    const { port } = await startServer(echo, {
      stages: { afterParse: filter((f) => f.type !== 'PING') },
    });
    const peer = await rawPeer(port);
    peer.send({ type: 'PING', streamId: 0, ack: false, opaqueData: new Uint8Array(8) });
    peer.send(peer.request(1, '/after-ping'));
    await until(() => peer.frames.some((f) => f.type === 'DATA' && f.streamId === 1 && f.endStream));
    expect(peer.frames.some((f) => f.type === 'PING')).toBe(false);
    expect(peer.goaway()).toBeUndefined();
  });
});
