import { describe, expect, it } from 'vitest';
import { clientFrame, openSocket } from './websocket-fake-transport.js';

// RFC 6455 §7.1.1–7.1.2: after sending Close an endpoint waits for the peer's Close, but not
// forever: past closeTimeoutMs the connection is dropped and the socket reports 1006.
describe('closing', () => {
  it('drops the transport with 1006 when the peer never answers our Close', async () => {
    const { socket, transport } = openSocket({ closeTimeoutMs: 10 });
    const closed = new Promise<{ code: number; wasClean: boolean }>((resolve) => {
      socket.onclose = (e) => resolve({ code: e.code, wasClean: e.wasClean });
    });
    socket.close(1000, 'bye');
    expect(socket.readyState).toBe(socket.CLOSING);
    expect(await closed).toEqual({ code: 1006, wasClean: false });
    expect(transport.aborted).toBe(true);
  });

  it('a peer’s Close answering ours ends the handshake cleanly with the peer’s code', async () => {
    const { socket, transport } = openSocket();
    const closed = new Promise<{ code: number; wasClean: boolean }>((resolve) => {
      socket.onclose = (e) => resolve({ code: e.code, wasClean: e.wasClean });
    });
    socket.close(4000, 'bye');
    transport.receiver.chunk(clientFrame(0x8, new Uint8Array([0x0f, 0xa0])));
    expect(await closed).toEqual({ code: 4000, wasClean: true });
    expect(transport.aborted).toBe(false);
    expect(transport.outbox.ended).toBe(true); // the transport ends after flushing the Close
  });

  it('close() validates the code and reason as the WebSocket API does', () => {
    const { socket } = openSocket();
    expect(() => socket.close(1001)).toThrow(/1001/);
    expect(() => socket.close(1000, 'é'.repeat(62))).toThrow(/123/);
  });
});
