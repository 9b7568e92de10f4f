import { H2UsageError } from '@h2tubes/h2-frames';
import { describe, expect, it } from 'vitest';
import { Connection } from '../src/core.js';
import { frames, GET, Harness, status, summary } from './helpers/frames.js';

/** Connection's "Re-entrancy" rule: what the sink's callbacks may call back into the core. */
describe('calls into the core from inside the sink', () => {
  it('respond, sendData, consume and resetStream from inside an event take effect in order', () => {
    const h = Harness.ready({ role: 'server' });
    h.onEvent = (e, c) => {
      if (e.kind === 'requestReceived') {
        c.respond(e.streamId, status(200));
        c.sendData(e.streamId, new Uint8Array(5), true);
      }
      if (e.kind === 'dataReceived') {
        c.consume(e.streamId, e.data.length);
        if (e.streamId === 3) c.resetStream(3, 'CANCEL');
      }
    };
    h.send(frames.headers(1).request('GET', '/').endStream());
    h.conn.flush(1 << 20);
    expect(summary(h.take())).toEqual(['HEADERS 1', 'DATA 1 5 ES']);
    h.send(frames.headers(3).request('POST', '/'), frames.data(3, 10, { endStream: true }));
    expect(summary(h.take())).toEqual(['HEADERS 3', 'RST_STREAM 3 CANCEL']);
    // The reset from inside dataReceived stands: END_STREAM on that frame does not revive the stream.
    expect(h.eventsOf('streamReset').map((e) => e.streamId)).toEqual([3]);
    expect(h.conn.activeStreams).toBe(0);
    expect(h.conn.isClosed).toBe(false);
  });

  it('goaway with an error code from inside requestReceived: the stream is not ended after the close', () => {
    const h = Harness.ready({ role: 'server' });
    h.onEvent = (e, c) => {
      if (e.kind !== 'requestReceived') return;
      c.respond(e.streamId, status(204), { endStream: true });
      c.goaway(h.now, { code: 'INTERNAL_ERROR' });
    };
    h.send(frames.headers(1).request('GET', '/').endStream());
    expect(h.conn.isClosed).toBe(true);
    expect(h.conn.activeStreams).toBe(0);
    expect(h.events().map((e) => e.kind)).toEqual(['requestReceived', 'localEnded', 'connectionClosed']);
  });

  it('a request reset from inside requestSent sends nothing more', () => {
    const h = Harness.ready({ role: 'client' });
    h.onEvent = (e, c) => {
      if (e.kind === 'requestSent') c.resetStream(e.streamId, 'CANCEL');
    };
    const id = h.conn.request(GET(), { endStream: true });
    expect(summary(h.take())).toEqual([`HEADERS ${id} ES`, `RST_STREAM ${id} CANCEL`]);
    expect(h.events().map((e) => e.kind)).toEqual(['requestSent', 'streamReset']);
    expect(h.conn.activeStreams).toBe(0);
  });

  it('a stream reset from inside goawayReceived is reported once', () => {
    const h = Harness.ready({ role: 'client' });
    const a = h.conn.request(GET('/a'), { endStream: true });
    const b = h.conn.request(GET('/b'), { endStream: true });
    h.take();
    h.events();
    h.onEvent = (e, c) => {
      if (e.kind === 'goawayReceived') c.resetStream(b, 'CANCEL');
    };
    h.send(frames.goaway(a));
    const resets = h.eventsOf('streamReset');
    expect(resets.map((e) => [e.streamId, e.code, e.by])).toEqual([[b, 'CANCEL', 'local']]);
  });

  it('receive, tick, flush and start from inside the sink throw H2UsageError', () => {
    const h = Harness.ready({ role: 'server' });
    const errors: unknown[] = [];
    h.onEvent = (e, c) => {
      if (e.kind !== 'requestReceived') return;
      for (const call of [
        () => c.receive(frames.ping(), h.now),
        () => c.tick(h.now),
        () => c.flush(1 << 20),
        () => c.start(h.now),
      ]) {
        try {
          call();
        } catch (err) {
          errors.push(err);
        }
      }
    };
    h.send(frames.headers(1).request('GET', '/').endStream());
    expect(errors).toHaveLength(4);
    for (const err of errors) expect(err).toBeInstanceOf(H2UsageError);
    expect((errors[0] as Error).message).toMatch(/receive\(\) called from inside the sink/);
    // Nothing ran: no PING ACK went out, and the connection goes on once the core has returned.
    expect(summary(h.take())).toEqual([]);
    h.send(frames.ping());
    expect(summary(h.take())).toEqual(['PING ACK']);
  });

  it('the frame callback is inside the sink too', () => {
    const errors: unknown[] = [];
    const c: Connection = new Connection(
      { role: 'server' },
      {
        frame: () => {
          try {
            c.flush(1);
          } catch (err) {
            errors.push(err);
          }
        },
        event: () => {},
      },
    );
    c.start(0);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toBeInstanceOf(H2UsageError);
  });
});
