import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSocket, textFrame } from './websocket-fake-transport.js';

afterEach(() => vi.restoreAllMocks());

// Node reports an exception thrown by an EventTarget listener as an uncaught exception, which
// would end a server over one bad message; the socket guards its listeners instead.
describe('a throwing WebSocket listener', () => {
  it('is logged, and the socket keeps delivering messages', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { socket, transport } = openSocket();
    const got: unknown[] = [];
    socket.onmessage = (e) => {
      got.push(e.data);
      if (e.data === 'boom') throw new Error('listener bug');
    };
    transport.receiver.chunk(textFrame('boom'));
    transport.receiver.chunk(textFrame('after'));
    expect(got).toEqual(['boom', 'after']);
    expect(log).toHaveBeenCalledOnce();
    expect(String(log.mock.calls[0]?.[0])).toBe(
      "[h2tubes] a WebSocket 'message' listener failed: listener bug",
    );
  });

  it('goes to the reportError option when one is given, not to the console', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const reported: [unknown, { what: string }][] = [];
    const { socket, transport } = openSocket({ reportError: (e, context) => reported.push([e, context]) });
    const bug = new Error('listener bug');
    socket.addEventListener('message', () => {
      throw bug;
    });
    transport.receiver.chunk(textFrame('boom'));
    expect(reported).toEqual([[bug, { what: "a WebSocket 'message' listener" }]]);
    expect(log).not.toHaveBeenCalled();
  });

  it('removeEventListener removes a listener added with addEventListener', () => {
    const { socket, transport } = openSocket();
    const got: unknown[] = [];
    const listener = (e: Event) => got.push((e as MessageEvent).data);
    socket.addEventListener('message', listener);
    transport.receiver.chunk(textFrame('one'));
    socket.removeEventListener('message', listener);
    transport.receiver.chunk(textFrame('two'));
    expect(got).toEqual(['one']);
  });
});
