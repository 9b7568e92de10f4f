import { Duplex } from 'node:stream';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { onNextMicrotask } from './microtask.js';
import { socketRoom, UNBOUNDED_ROOM } from './outbound-room.js';
import { Pauser } from './pauser.js';
import { socketDrain } from './socket-drain.js';

/**
 * An in-memory socket whose writes complete only when the test says so (`release()`), so its
 * buffer fills and 'drain' comes on cue. It records every write batch (cork/uncork: one `writev`).
 */
function heldSocket(highWaterMark = 8) {
  const batches: number[][] = [];
  const pending: Array<() => void> = [];
  const socket = new Duplex({
    writableHighWaterMark: highWaterMark,
    read() {},
    writev(chunks, cb) {
      batches.push(chunks.map((c) => (c.chunk as Buffer).length));
      pending.push(cb);
    },
    write(chunk: Buffer, _enc, cb) {
      batches.push([chunk.length]);
      pending.push(cb);
    },
    final(cb) {
      cb();
    },
  });
  const release = () => {
    for (const cb of pending.splice(0)) cb();
  };
  return { socket, batches, release };
}

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('socketDrain', () => {
  it("writes one turn's chunks as one batch (cork/uncork)", async () => {
    const { socket, batches, release } = heldSocket(1 << 20);
    const chunks = new Subject<Uint8Array>();
    chunks.pipe(socketDrain(socket)).subscribe();
    chunks.next(new Uint8Array(1));
    chunks.next(new Uint8Array(2));
    chunks.next(new Uint8Array(3));
    await turn();
    release();
    chunks.next(new Uint8Array(4));
    await turn();
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it("pauses the producer once while the buffer is full and unpauses on 'drain'", async () => {
    const { socket, release } = heldSocket(4);
    let pauses = 0;
    let resumes = 0;
    const pauser = new Pauser(
      () => pauses++,
      () => resumes++,
    );
    const chunks = new Subject<Uint8Array>();
    chunks.pipe(socketDrain(socket, { pause: () => pauser.pause('socket full') })).subscribe();
    chunks.next(new Uint8Array(8)); // over the mark: write() returns false
    chunks.next(new Uint8Array(8)); // still full: not paused twice
    expect([pauses, resumes]).toEqual([1, 0]);
    await turn();
    release();
    await turn();
    release();
    await turn();
    expect([pauses, resumes]).toEqual([1, 1]);
  });

  it('without a pause option a full buffer just buffers', async () => {
    const { socket } = heldSocket(1);
    const chunks = new Subject<Uint8Array>();
    chunks.pipe(socketDrain(socket)).subscribe();
    chunks.next(new Uint8Array(4));
    chunks.next(new Uint8Array(4));
    expect(socket.writableLength).toBe(8);
  });

  it('completion ends the socket, then completes', async () => {
    const { socket, release } = heldSocket();
    const chunks = new Subject<Uint8Array>();
    let completed = false;
    chunks.pipe(socketDrain(socket)).subscribe({ complete: () => (completed = true) });
    chunks.next(new Uint8Array(2));
    chunks.complete();
    await turn();
    expect(completed).toBe(false); // the write is still held
    release();
    await turn();
    expect(completed).toBe(true);
    expect(socket.writableEnded).toBe(true);
  });

  it('an error destroys the socket with it (non-Errors wrapped) and is passed on', async () => {
    for (const failure of [new Error('bad'), 'plain']) {
      const { socket } = heldSocket();
      socket.on('error', () => {});
      const chunks = new Subject<Uint8Array>();
      let seen: unknown;
      chunks.pipe(socketDrain(socket)).subscribe({ error: (e) => (seen = e) });
      chunks.error(failure);
      expect(seen).toBe(failure);
      expect(socket.destroyed).toBe(true);
      await turn();
    }
  });

  it("unsubscribing while paused unpauses and stops listening to 'drain'", async () => {
    const { socket } = heldSocket(1);
    const pauser = new Pauser(
      () => {},
      () => {},
    );
    const chunks = new Subject<Uint8Array>();
    const before = socket.listenerCount('drain');
    const sub = chunks.pipe(socketDrain(socket, { pause: () => pauser.pause() })).subscribe();
    chunks.next(new Uint8Array(4));
    expect(pauser.paused).toBe(true);
    sub.unsubscribe();
    expect(pauser.paused).toBe(false);
    expect(chunks.observed).toBe(false);
    expect(socket.listenerCount('drain')).toBe(before);
    const again = chunks.pipe(socketDrain(socket)).subscribe();
    again.unsubscribe(); // not paused: nothing to unpause
  });
});

describe('socketRoom and UNBOUNDED_ROOM', () => {
  it('room is the high-water mark minus what the socket buffers; idle when empty; onRoom on drain', async () => {
    const { socket, release } = heldSocket(16);
    const room = socketRoom(socket, 10);
    expect([room.room(), room.idle()]).toEqual([10, true]);
    let rooms = 0;
    const off = room.onRoom(() => rooms++);
    socket.write(new Uint8Array(30)); // over the socket's own mark: 'drain' follows
    expect([room.room(), room.idle()]).toEqual([-20, false]);
    release();
    await turn();
    expect([room.room(), room.idle(), rooms]).toEqual([10, true, 1]);
    off();
    socket.write(new Uint8Array(30));
    release();
    await turn();
    expect(rooms).toBe(1);
  });

  it('defaults to a 1 MiB mark', () => {
    const { socket } = heldSocket();
    expect(socketRoom(socket).room()).toBe(1 << 20);
  });

  it('UNBOUNDED_ROOM never fills', () => {
    expect(UNBOUNDED_ROOM.room()).toBe(Number.POSITIVE_INFINITY);
    expect(UNBOUNDED_ROOM.idle()).toBe(true);
    const off = UNBOUNDED_ROOM.onRoom(() => {});
    expect(() => off()).not.toThrow();
  });
});

describe('onNextMicrotask', () => {
  it('runs at the end of the current turn, in order, before timers', async () => {
    const order: string[] = [];
    setTimeout(() => order.push('timer'), 0);
    onNextMicrotask(() => order.push('a'));
    onNextMicrotask(() => order.push('b'));
    order.push('sync');
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['sync', 'a', 'b', 'timer']);
  });
});

describe('Pauser', () => {
  it('pauses on the first token, resumes when every token is unpaused; a token unpaused twice throws', () => {
    const calls: string[] = [];
    const pauser = new Pauser(
      () => calls.push('pause'),
      () => calls.push('resume'),
    );
    const a = pauser.pause('a');
    const b = pauser.pause();
    expect(calls).toEqual(['pause']);
    a.unpause();
    expect(pauser.paused).toBe(true);
    b.unpause();
    expect(calls).toEqual(['pause', 'resume']);
    expect(pauser.paused).toBe(false);
    expect(() => a.unpause()).toThrow('pause token "a" was already unpaused');
    expect(() => b.unpause()).toThrow('pause token "unspecified" was already unpaused');
  });
});
