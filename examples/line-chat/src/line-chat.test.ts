import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type LineChat, startLineChat } from './line-chat.js';

let chat: LineChat | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

function connect(
  port: number,
): Promise<{ socket: net.Socket; lines: string[]; waitFor(re: RegExp): Promise<string> }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve({ socket, lines, waitFor }));
    const lines: string[] = [];
    let buf = '';
    const waiters: Array<{ re: RegExp; done: (l: string) => void }> = [];
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      buf += d;
      let i = buf.indexOf('\n');
      while (i >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        for (const w of waiters.splice(0))
          if (w.re.test(line)) w.done(line);
          else waiters.push(w);
        i = buf.indexOf('\n');
      }
    });
    const waitFor = (re: RegExp) =>
      new Promise<string>((done) => {
        const hit = lines.find((l) => re.test(l));
        if (hit !== undefined) done(hit);
        else waiters.push({ re, done });
      });
  });
}

describe('line-chat over real sockets', () => {
  it('broadcasts a line from one client to the other, split across writes', async () => {
    chat = await startLineChat();
    const a = await connect(chat.port);
    const b = await connect(chat.port);
    await a.waitFor(/joined/);
    b.socket.write('hel');
    b.socket.write('lo\nsecond line\n');
    expect(await a.waitFor(/: hello$/)).toMatch(/^guest\d+: hello$/);
    expect(await a.waitFor(/second line/)).toMatch(/: second line$/);
    a.socket.destroy();
    b.socket.destroy();
  });

  it('disconnects a client that stops reading instead of queueing for it, and the others keep chatting', async () => {
    chat = await startLineChat({ maxQueuedBytes: 64 * 1024 });
    const slow = await connect(chat.port);
    const talker = await connect(chat.port);
    const listener = await connect(chat.port);
    slow.socket.pause(); // never reads again: its kernel buffers fill, then our queue bound trips
    const closed = new Promise<void>((r) => slow.socket.on('close', () => r()));
    const line = `${'x'.repeat(1000)}\n`;
    // Up to 40 MB: loopback kernel buffers (autotuned, tcp_rmem/tcp_wmem) may absorb several MB
    // before our queue starts to grow; the loop stops as soon as the slow client is cut.
    for (let i = 0; i < 40_000 && !slow.socket.destroyed; i++) {
      talker.socket.write(line);
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    talker.socket.write('still here\n');
    expect(await listener.waitFor(/still here/)).toMatch(/still here$/);
    slow.socket.resume();
    await closed;
    expect(chat.clients).toBe(2);
    talker.socket.destroy();
    listener.socket.destroy();
  });
});
