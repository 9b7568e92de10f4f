/**
 * RFC 9113 §6.5.2: SETTINGS_MAX_HEADER_LIST_SIZE is advisory. A client that announces a value
 * smaller than any response (even 0) must not be able to make the server's API throw into the
 * application: the server sends its response anyway (as nghttp2, nginx, Envoy and Netty do) and a
 * client that cannot take it discards it (§10.5.1). Driven over a raw socket with the exact bytes a
 * conformance run used, against the README's "Compose your own pipeline" sample as written.
 */
import net, { type AddressInfo } from 'node:net';
import { CONNECTION_PREFACE, type Frame, FrameSplitter, HpackDecoder, parseFrame } from '@h2tubes/h2-frames';
import { afterEach, describe, expect, it } from 'vitest';
import { serverConnection } from '../src/index.js';
import { closeAll, onClose, until } from './helpers/loopback.js';

afterEach(closeAll);

/** The README sample: one `serverConnection` per socket, answering every request in `subscribe`. */
async function readmeSample(): Promise<number> {
  const srv = net.createServer((socket) =>
    serverConnection(socket).subscribe((ex) =>
      ex.respond(200, [{ name: 'content-type', value: 'text/plain' }], `you asked for ${ex.path}\n`),
    ),
  );
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  onClose(() => srv.close());
  return (srv.address() as AddressInfo).port;
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('RFC 9113 §6.5.2: a peer SETTINGS_MAX_HEADER_LIST_SIZE smaller than the response', () => {
  it('MAX_HEADER_LIST_SIZE=0: the response is sent anyway, nothing throws, the connection stays up', async () => {
    const port = await readmeSample();
    const socket = net.connect(port, '127.0.0.1');
    onClose(() => socket.destroy());
    socket.on('error', () => {});
    const frames: Frame[] = [];
    const splitter = new FrameSplitter();
    socket.on('data', (c: Buffer) => splitter.push(c, (raw) => frames.push(parseFrame(raw))));
    await new Promise((r) => socket.once('connect', r));
    socket.write(CONNECTION_PREFACE);
    socket.write(hex('000006 04 00 00000000 0006 00000000')); // SETTINGS MAX_HEADER_LIST_SIZE=0
    socket.write(hex('000000 04 01 00000000')); // ACK of the server's SETTINGS (sent in any order)
    // HEADERS stream 1, END_STREAM|END_HEADERS: :method GET, :scheme http, :path /, :authority "x"
    socket.write(hex('000006 01 05 00000001 828684010178'));
    await until(() => frames.some((f) => f.type === 'DATA' && f.streamId === 1 && f.endStream));

    const headers = frames.find((f) => f.type === 'HEADERS' && f.streamId === 1);
    expect(headers?.type).toBe('HEADERS');
    const fields = new HpackDecoder().decode((headers as Frame & { type: 'HEADERS' }).fragment);
    expect(fields.fields).toContainEqual({ name: ':status', value: '200' });
    const body = frames
      .filter((f): f is Frame & { type: 'DATA' } => f.type === 'DATA' && f.streamId === 1)
      .map((f) => Buffer.from(f.data).toString())
      .join('');
    expect(body).toBe('you asked for /\n');
    expect(frames.some((f) => f.type === 'RST_STREAM' || f.type === 'GOAWAY')).toBe(false);
    expect(socket.destroyed).toBe(false);
  });
});
