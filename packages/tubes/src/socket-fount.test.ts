import net, { type AddressInfo } from 'node:net';
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { splitLengthPrefixed } from './framing.js';
import { socketDrain } from './socket-drain.js';
import { socketFount } from './socket-fount.js';

function pair(): Promise<{ server: net.Server; client: net.Socket; accepted: net.Socket }> {
  return new Promise((resolve) => {
    const server = net.createServer((accepted) => resolve({ server, client, accepted }));
    let client!: net.Socket;
    server.listen(0, '127.0.0.1', () => {
      client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    });
  });
}

describe('socketFount and socketDrain on real loopback sockets', () => {
  it('unsubscribing removes its listeners and destroys the socket (or only detaches, when asked)', async () => {
    const { server, client, accepted } = await pair();
    const before =
      accepted.listenerCount('data') + accepted.listenerCount('end') + accepted.listenerCount('close');
    socketFount(accepted, { onUnsubscribe: 'detach' }).subscribe().unsubscribe();
    expect(
      accepted.listenerCount('data') + accepted.listenerCount('end') + accepted.listenerCount('close'),
    ).toBe(before);
    expect(accepted.destroyed).toBe(false);
    socketFount(accepted).subscribe().unsubscribe();
    expect(accepted.destroyed).toBe(true);
    client.destroy();
    server.close();
  });

  it('two subscribers at once both read every chunk; the listeners go with the last one', async () => {
    const { server, client, accepted } = await pair();
    const before = accepted.listenerCount('data') + accepted.listenerCount('end');
    const fount = socketFount(accepted, { onUnsubscribe: 'detach' });
    const got: number[][] = [[], []];
    const subs = got.map((g) => fount.subscribe((c) => g.push(...c)));
    client.write(Uint8Array.of(1, 2, 3));
    for (let i = 0; i < 200 && got[1]?.length !== 3; i++) await new Promise((r) => setTimeout(r, 5));
    expect(got).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    subs[0]?.unsubscribe();
    expect(accepted.listenerCount('data') + accepted.listenerCount('end')).toBe(before + 2);
    accepted.resume(); // a detached reading pauses the socket; the other one still reads
    client.write(Uint8Array.of(4));
    for (let i = 0; i < 200 && got[1]?.length !== 4; i++) await new Promise((r) => setTimeout(r, 5));
    expect(got).toEqual([
      [1, 2, 3],
      [1, 2, 3, 4],
    ]);
    subs[1]?.unsubscribe();
    expect(accepted.listenerCount('data') + accepted.listenerCount('end')).toBe(before);
    client.destroy();
    accepted.destroy();
    server.close();
  });

  it('a reading that is not the first leaves the list alone: the others keep reading, the listeners stay', async () => {
    const { server, client, accepted } = await pair();
    const before = accepted.listenerCount('data');
    const fount = socketFount(accepted, { onUnsubscribe: 'detach' });
    const got: number[][] = [[], [], []];
    const subs = got.map((g) => fount.subscribe((c) => g.push(...c)));
    const sent = async (byte: number, expected: number[][]) => {
      accepted.resume(); // a detached reading pauses the socket
      client.write(Uint8Array.of(byte));
      for (let i = 0; i < 200 && JSON.stringify(got) !== JSON.stringify(expected); i++)
        await new Promise((r) => setTimeout(r, 5));
      expect(got).toEqual(expected);
    };
    await sent(1, [[1], [1], [1]]);
    subs[1]?.unsubscribe(); // the middle one
    await sent(2, [[1, 2], [1], [1, 2]]);
    subs[2]?.unsubscribe(); // the last one
    await sent(3, [[1, 2, 3], [1], [1, 2]]);
    expect(accepted.listenerCount('data')).toBe(before + 1);
    subs[0]?.unsubscribe();
    expect(accepted.listenerCount('data')).toBe(before);
    client.destroy();
    accepted.destroy();
    server.close();
  });

  it('a subscriber that comes while the fount is paused does not start the socket reading', async () => {
    const { server, client, accepted } = await pair();
    const fount = socketFount(accepted, { onUnsubscribe: 'detach' });
    const token = fount.pauseFlow('busy');
    const got: number[] = [];
    const sub = fount.subscribe((c) => got.push(...c));
    expect(accepted.isPaused()).toBe(true);
    client.write(Uint8Array.of(9));
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toEqual([]);
    token.unpause();
    for (let i = 0; i < 200 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(got).toEqual([9]);
    sub.unsubscribe();
    client.destroy();
    accepted.destroy();
    server.close();
  });

  it("the peer's end completes the fount exactly once", async () => {
    const { server, client, accepted } = await pair();
    let completions = 0;
    const done = new Promise<void>((r) =>
      socketFount(accepted).subscribe({
        complete: () => {
          completions++;
          setTimeout(r, 20);
        },
      }),
    );
    client.end();
    await done;
    expect(completions).toBe(1);
    server.close();
  });

  it('a paused fount stops reading: the writer on the other end sees write() return false, memory stays bounded', async () => {
    const { server, client, accepted } = await pair();
    const fount = socketFount(accepted);
    let received = 0;
    const sub = fount.subscribe((c) => {
      received += c.length;
    });
    const token = fount.pauseFlow('consumer stopped pulling');
    await new Promise((r) => client.once('connect', r));
    const chunk = Buffer.alloc(64 * 1024);
    let written = 0;
    let stalled = false;
    // Write until the socket stays full: write() false and no 'drain' within 200 ms.
    while (written < 256 * 1024 * 1024) {
      written += chunk.length;
      if (client.write(chunk)) continue;
      const drained = await new Promise<boolean>((r) => {
        const t = setTimeout(() => r(false), 200);
        client.once('drain', () => {
          clearTimeout(t);
          r(true);
        });
      });
      if (!drained) {
        stalled = true;
        break;
      }
    }
    expect(stalled).toBe(true); // TCP backpressure reached the writer
    const whilePaused = received;
    expect(whilePaused).toBe(0); // nothing was pulled into our memory while paused
    token.unpause();
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toBeGreaterThan(0);
    sub.unsubscribe();
    client.destroy();
    accepted.destroy();
    server.close();
  });

  it('an echo through tubes delivers every frame and ends the socket on completion; no listeners are left', async () => {
    const { server, client, accepted } = await pair();
    const before = accepted.listenerCount('data') + accepted.listenerCount('drain');
    const fount = socketFount(accepted);
    const done = lastValueFrom(
      fount.pipe(
        splitLengthPrefixed({ prefixLength: 2, maxLength: 1024 }),
        (s) => s, // pass-through stage
        socketDrain(accepted, { pause: () => fount.pauseFlow('peer not reading') }),
      ),
      { defaultValue: undefined },
    );
    const got: Buffer[] = [];
    client.on('data', (c: Buffer) => got.push(c));
    client.end(Buffer.from([0, 3, 1, 2, 3, 0, 1, 9]));
    await done;
    await new Promise((r) => client.once('close', r));
    expect([...Buffer.concat(got)]).toEqual([1, 2, 3, 9]);
    expect(accepted.listenerCount('data') + accepted.listenerCount('drain')).toBe(before);
    server.close();
  });
});

describe('socketFount: paused before subscribing', () => {
  it('stays paused when subscribed while a token is out, resumes when it is unpaused', async () => {
    const { server, client, accepted } = await pair();
    const fount = socketFount(accepted);
    const token = fount.pauseFlow('not yet');
    const got: Uint8Array[] = [];
    const sub = fount.subscribe((c) => got.push(c));
    client.write(Uint8Array.of(1, 2));
    await new Promise((r) => setTimeout(r, 20));
    expect(accepted.isPaused()).toBe(true);
    token.unpause();
    for (let i = 0; i < 200 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(got.length).toBeGreaterThan(0);
    sub.unsubscribe();
    client.destroy();
    server.close();
  });
});
