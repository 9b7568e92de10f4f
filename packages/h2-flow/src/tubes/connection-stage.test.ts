import { type DecodedFrame, H2ProtocolError, H2UsageError } from '@h2tubes/h2-frames';
import { Subject } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import type { ConnectionEvent } from '../core/events.js';
import { ConnectionStage } from './connection-stage.js';
import { defaultReportError } from './report-error.js';

/** A server stage fed by a Subject, with everything it writes and emits recorded. */
function harness() {
  const stage = new ConnectionStage({ role: 'server' });
  const frames = new Subject<DecodedFrame>();
  const written: DecodedFrame[] = [];
  let outboundEnd: string | undefined;
  stage.outbound.subscribe({
    next: (f) => written.push(f),
    error: (e: unknown) => {
      outboundEnd = `error: ${(e as Error).message}`;
    },
    complete: () => {
      outboundEnd = 'complete';
    },
  });
  const events: ConnectionEvent[] = [];
  let eventsEnd: string | undefined;
  const sub = frames.pipe(stage.receive).subscribe({
    next: (e) => events.push(e),
    error: (e: unknown) => {
      eventsEnd = `error: ${(e as Error).message}`;
    },
    complete: () => {
      eventsEnd = 'complete';
    },
  });
  return { stage, frames, written, events, sub, ends: () => ({ outbound: outboundEnd, events: eventsEnd }) };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const goaways = (fs: DecodedFrame[]) => fs.filter((f) => f.type === 'GOAWAY').map((f) => String(f.errorCode));

describe('ConnectionStage', () => {
  it('starts on subscription (our SETTINGS out) and can be subscribed only once', () => {
    const h = harness();
    expect(h.written[0]?.type).toBe('SETTINGS');
    let second: unknown;
    new Subject<DecodedFrame>().pipe(h.stage.receive).subscribe({ error: (e: unknown) => (second = e) });
    expect(second).toBeInstanceOf(H2UsageError);
  });

  it('a protocol error from the codec becomes GOAWAY with its code, then both streams complete', () => {
    const h = harness();
    h.frames.error(new H2ProtocolError('COMPRESSION_ERROR', 'connection', 'bad HPACK'));
    expect(goaways(h.written)).toEqual(['COMPRESSION_ERROR']);
    expect(h.ends()).toEqual({ outbound: 'complete', events: 'complete' });
  });

  it('any other inbound failure (a socket error) errors both streams, no GOAWAY', () => {
    const h = harness();
    h.frames.error(new Error('ECONNRESET'));
    expect(goaways(h.written)).toEqual([]);
    expect(h.ends()).toEqual({ outbound: 'error: ECONNRESET', events: 'error: ECONNRESET' });
  });

  it('unsubscribing closes with GOAWAY NO_ERROR; the inbound end completes it too', async () => {
    const a = harness();
    a.sub.unsubscribe();
    expect(goaways(a.written)).toEqual(['NO_ERROR']);
    expect(a.ends().outbound).toBe('complete');

    const b = harness();
    b.frames.complete();
    await tick();
    expect(b.ends()).toEqual({ outbound: 'complete', events: 'complete' });
  });

  it('shutdown and abort after the end do nothing', () => {
    const h = harness();
    h.sub.unsubscribe();
    const n = h.written.length;
    h.stage.shutdown();
    h.stage.abort('INTERNAL_ERROR', 'late');
    h.stage.dispose();
    expect(h.written.length).toBe(n);
  });

  it('abort sends GOAWAY with the code and debug data at once', async () => {
    const h = harness();
    h.stage.abort('ENHANCE_YOUR_CALM', 'too much');
    await tick();
    const goaway = h.written.find((f) => f.type === 'GOAWAY');
    expect(goaway).toMatchObject({ errorCode: 'ENHANCE_YOUR_CALM' });
    expect(new TextDecoder().decode((goaway as { debugData: Uint8Array }).debugData)).toBe('too much');
  });
});

describe('defaultReportError', () => {
  it('writes one line, with the stream when there is one', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      defaultReportError(new Error('boom'), { what: 'the handler of GET /' });
      defaultReportError('plain', { streamId: 3, what: 'response or request body' });
      expect(log.mock.calls).toEqual([
        ['[h2tubes] the handler of GET / failed: boom'],
        ['[h2tubes] response or request body of stream 3 failed: plain'],
      ]);
    } finally {
      log.mockRestore();
    }
  });
});
