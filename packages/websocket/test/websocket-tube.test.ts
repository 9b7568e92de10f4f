import { firstValueFrom, Subject, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { closePayload, FrameParser, Opcode, webSocketTube } from '../src/index.js';
import { clientFrame } from './endpoint-harness.js';

/** Parses the bytes a tube wrote back into frames. */
function frames(chunks: Uint8Array[]) {
  const out: { opcode: number; payload: Uint8Array }[] = [];
  const parser = new FrameParser({ maxFrameSize: 1 << 20 });
  for (const c of chunks) parser.push(c, (f) => out.push(f));
  return out;
}

// The tube runs the codec between socket bytes in and socket bytes out; its output completes when
// the WebSocket is closed, the moment the server should end the TCP connection (RFC 6455 §7.1.1).
describe('webSocketTube', () => {
  it('echoes messages and completes its output after the close handshake', async () => {
    const input = new Subject<Uint8Array>();
    let closed: Promise<unknown> | undefined;
    const output = input.pipe(
      webSocketTube({ role: 'server' }, (ws) => {
        ws.messages.subscribe((m) => ws.send(m));
        closed = ws.closed;
      }),
    );
    const all = firstValueFrom(output.pipe(toArray()));
    input.next(clientFrame(Opcode.Text, 'héllo'));
    input.next(clientFrame(Opcode.Binary, new Uint8Array([1, 2, 3])));
    input.next(clientFrame(Opcode.Close, closePayload(4000, 'bye')));
    const got = frames(await all);
    expect(got.map((f) => f.opcode)).toEqual([Opcode.Text, Opcode.Binary, Opcode.Close]);
    expect(new TextDecoder().decode(got[0]?.payload)).toBe('héllo');
    expect(await closed).toEqual({ code: 4000, reason: 'bye', wasClean: true });
  });

  it('drops the connection with 1006 when the peer never answers our Close (closing timeout)', async () => {
    const input = new Subject<Uint8Array>();
    let closed: Promise<unknown> | undefined;
    const output = input.pipe(
      webSocketTube({ role: 'server', closeTimeoutMs: 20 }, (ws) => {
        closed = ws.closed;
        ws.close(1000);
      }),
    );
    // No Close ever comes back on `input`: only the timeout can end this.
    const written = await firstValueFrom(output.pipe(toArray()));
    expect(frames(written).map((f) => f.opcode)).toEqual([Opcode.Close]);
    expect(await closed).toEqual({ code: 1006, reason: 'closing timeout', wasClean: false });
  });

  it('closes with 1006 when the transport ends without a Close', async () => {
    const input = new Subject<Uint8Array>();
    let closed: Promise<unknown> | undefined;
    const done = firstValueFrom(
      input.pipe(webSocketTube({ role: 'server' }, (ws) => (closed = ws.closed))).pipe(toArray()),
    );
    input.complete();
    await done;
    expect(await closed).toMatchObject({ code: 1006, wasClean: false });
  });

  it('closes with 1006 and the error as reason when the transport fails', async () => {
    for (const [failure, reason] of [
      [new Error('ECONNRESET'), 'ECONNRESET'],
      ['torn down', 'torn down'],
    ] as const) {
      const input = new Subject<Uint8Array>();
      let closed: Promise<unknown> | undefined;
      const done = firstValueFrom(
        input.pipe(webSocketTube({ role: 'server' }, (ws) => (closed = ws.closed))).pipe(toArray()),
      );
      input.error(failure);
      expect(await done).toEqual([]);
      expect(await closed).toEqual({ code: 1006, reason, wasClean: false });
    }
  });

  it('ping() writes a Ping with the payload, and the peer’s Pong needs no answer (§5.5.2, §5.5.3)', async () => {
    const input = new Subject<Uint8Array>();
    const output = input.pipe(
      webSocketTube({ role: 'server' }, (ws) => {
        ws.ping(new Uint8Array([7, 7]));
      }),
    );
    const all = firstValueFrom(output.pipe(toArray()));
    input.next(clientFrame(Opcode.Pong, new Uint8Array([7, 7])));
    input.next(clientFrame(Opcode.Close, closePayload(1000)));
    const got = frames(await all);
    expect(got.map((f) => f.opcode)).toEqual([Opcode.Ping, Opcode.Close]);
    expect(got[0]?.payload).toEqual(new Uint8Array([7, 7]));
  });
});
