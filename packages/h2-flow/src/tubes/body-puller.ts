import { H2UsageError } from '@h2tubes/h2-frames';
import { isPullSource, type OverflowPolicy, type Puller, type PullSink, pullFrom } from '@h2tubes/tubes';
import type { BodySource } from './exchange-types.js';

/**
 * What a plain Observable body may emit ahead of the windows before it fails: 1 MiB. An
 * Observable cannot be paused, so this is where its early items wait. A source that can take
 * demand (`demandDriven`) is pulled exactly; a hot feed should say what to do when a reader is
 * slow (`bounded(feed$, { overflow: 'dropOldest', ... })`).
 */
export const DEFAULT_OBSERVABLE_BODY_POLICY: OverflowPolicy<Uint8Array> = {
  overflow: 'error',
  highWaterMark: 1 << 20,
  sizeOf: octetsOf,
};

/** Octets a chunk will take once converted (chunks of loosely typed sources are checked on delivery). */
function octetsOf(c: unknown): number {
  if (typeof c === 'string') return c.length;
  return (c as { byteLength?: number }).byteLength ?? 0;
}

const encoder = new TextEncoder();

/**
 * Pulls a body one chunk at a time, only when asked (DESIGN.md backpressure rule 3: the stream's
 * sender asks for the next chunk only while the windows and the socket have room), with the pull
 * protocol of `@h2tubes/tubes` (`Puller`/`PullSink`). Strings and byte arrays answer
 * synchronously, so a small body costs no Promise.
 *
 * @example
 * const p = pullBody('hello', { next: (c) => send(c), complete: () => finish(), error: (e) => reset(e) });
 * p.request(); // sink.next(bytes of "hello", true)
 */
export function pullBody(
  source: BodySource,
  sink: PullSink<Uint8Array>,
  observablePolicy: OverflowPolicy<Uint8Array> = DEFAULT_OBSERVABLE_BODY_POLICY,
): Puller {
  if (typeof source === 'string') return new BytesPuller(encoder.encode(source), sink);
  if (source instanceof Uint8Array) return new BytesPuller(source, sink);
  if (!isPullSource(source))
    throw new H2UsageError(
      'a body must be a string, Uint8Array, Observable, AsyncIterable or ReadableStream',
    );
  const bytes = new BytesSink(sink);
  bytes.puller = pullFrom<unknown>(source, bytes, observablePolicy as OverflowPolicy<unknown>);
  return bytes.puller;
}

/** Checks each chunk of a source that is typed loosely at run time (JS callers, `any`). */
class BytesSink implements PullSink<unknown> {
  /** The puller feeding this sink, stopped when a chunk is not bytes. */
  puller: Puller | undefined;
  constructor(private readonly sink: PullSink<Uint8Array>) {}
  next(value: unknown, last: boolean): void {
    let bytes: Uint8Array;
    try {
      bytes = toBytes(value);
    } catch (e) {
      this.puller?.cancel();
      return this.sink.error(e);
    }
    this.sink.next(bytes, last);
  }
  complete(): void {
    this.sink.complete();
  }
  error(e: unknown): void {
    this.sink.error(e);
  }
}

class BytesPuller implements Puller {
  private sent = false;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly sink: PullSink<Uint8Array>,
  ) {}
  request(): void {
    if (this.sent || this.bytes.length === 0) {
      this.sent = true;
      this.sink.complete();
      return;
    }
    this.sent = true;
    this.sink.next(this.bytes, true);
  }
  cancel(): void {
    this.sent = true;
  }
}

function toBytes(c: unknown): Uint8Array {
  if (c instanceof Uint8Array) return c;
  if (typeof c === 'string') return encoder.encode(c);
  if (c instanceof ArrayBuffer) return new Uint8Array(c);
  throw new H2UsageError('body chunks must be Uint8Array (or string)');
}
