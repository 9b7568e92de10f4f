/**
 * A loopback server driven by the sans-I/O core alone (no tube layer): bytes → frames → the
 * `Connection`, its frames → bytes, flushed after each read. It shows the core's own answers on a
 * real socket, for the raw peer of `loopback.ts` to read.
 */
import net, { type AddressInfo } from 'node:net';
import {
  type DecodedFrame,
  encodeFrames,
  FieldBlockAssembler,
  FrameSplitter,
  H2ProtocolError,
  HpackDecoder,
  HpackEncoder,
  parseFrame,
} from '@h2tubes/h2-frames/core';
import { Connection, type ConnectionEvent, type ConnectionOptions } from '../../src/core.js';
import { onClose } from './loopback.js';

export interface CoreServer {
  readonly port: number;
  /** Every event of every connection, in order. */
  readonly events: ConnectionEvent[];
}

/** Answers every request with 204; `options` tune the core. */
export async function startCoreServer(options: Omit<ConnectionOptions, 'role'> = {}): Promise<CoreServer> {
  const events: ConnectionEvent[] = [];
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    const splitter = new FrameSplitter({ expectPreface: true });
    const assembler = new FieldBlockAssembler();
    const hpackIn = new HpackDecoder();
    const hpackOut = new HpackEncoder();
    let out: DecodedFrame[] = [];
    const conn: Connection = new Connection(
      { ...options, role: 'server' },
      {
        frame: (f) => out.push(f),
        event: (e) => {
          events.push(e);
          if (e.kind === 'requestReceived')
            conn.respond(e.streamId, [{ name: ':status', value: '204' }], { endStream: true });
        },
      },
    );
    const write = (): void => {
      conn.flush(1 << 20);
      const frames = out;
      out = [];
      if (frames.length > 0 && !socket.destroyed) {
        socket.write(
          encodeFrames(
            frames.map((f) => {
              if (f.type !== 'FIELD_BLOCK') return f;
              const { fields, oversized: _, ...rest } = f;
              return { ...rest, type: 'HEADER_BLOCK' as const, block: hpackOut.encode(fields) };
            }),
          ),
        );
      }
      if (socket.writableLength === 0) conn.flushed();
      if (conn.isClosed) socket.end();
    };
    const receive = (raw: Uint8Array): void => {
      const now = Date.now();
      try {
        assembler.push(parseFrame(raw), (f) => {
          if (f.type !== 'HEADER_BLOCK') return conn.receive(f, now);
          const { block, ...rest } = f;
          const { fields, oversized } = hpackIn.decode(block);
          conn.receive({ ...rest, type: 'FIELD_BLOCK', fields, oversized }, now);
        });
      } catch (e) {
        if (!H2ProtocolError.is(e)) throw e;
        conn.receiveFrameError(e, now);
      }
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        splitter.push(chunk, receive);
      } catch (e) {
        if (!H2ProtocolError.is(e)) throw e;
        conn.receiveFrameError(e, Date.now());
      }
      write();
    });
    conn.start(Date.now());
    write();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  onClose(() => {
    for (const s of sockets) s.destroy();
    srv.close();
  });
  return { port: (srv.address() as AddressInfo).port, events };
}
