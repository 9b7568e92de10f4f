import type { Duplex } from 'node:stream';
import type { DecodedFrame, ErrorCode, HeaderBlockAssemblerOptions, HeaderField } from '@h2tubes/h2-frames';
import { H2ProtocolError } from '@h2tubes/h2-frames';
import { onNextMicrotask } from '@h2tubes/tubes';
import { Subject, type Subscription } from 'rxjs';
import { Connection } from '../core/connection.js';
import type { ConnectionEvent } from '../core/events.js';
import type { ConnectionOptions } from '../core/options.js';
import { type BodyPuller, pullBody } from './body-puller.js';
import type { BodySource, FieldList } from './exchange-types.js';
import { type FrameStages, H2Pipeline } from './h2-pipeline.js';

/** Options shared by the server and client tube layers. */
export interface SessionOptions extends Omit<ConnectionOptions, 'role'> {
  /**
   * Outbound octets the socket may hold before we stop pulling bodies and stop reading the
   * socket (DESIGN.md rule 4, CVE-2019-9517: a peer that never reads cannot grow our memory).
   * Default 1 MiB.
   */
  readonly outboundHighWaterMark?: number;
  /** Extra stages to insert into the frame pipeline (a frame logger, a header rewriter). */
  readonly stages?: FrameStages;
  /** Bounds of an encoded field block (DESIGN.md: 64 KiB, 8 CONTINUATION frames). */
  readonly headerBlock?: HeaderBlockAssemblerOptions;
  /** Called with each event of the connection core, for logging and metrics. */
  readonly onEvent?: (e: ConnectionEvent) => void;
}

/** One stream's outbound body being pulled into the core as the windows allow. */
interface OutboundBody {
  readonly puller: BodyPuller;
  readonly trailers: Promise<FieldList> | FieldList | undefined;
  waiting: boolean;
}

/**
 * One HTTP/2 connection over a socket: the frame pipeline in both directions around a
 * `Connection` core, body pumps for the send side, timers for the core's deadlines, and the
 * socket-level backpressure. Role-specific layers (server exchanges, client requests) listen to
 * `events` and call the core through `conn`.
 */
export class H2Session {
  readonly conn: Connection;
  /** Core events after the session has applied what concerns the pipeline (settings). */
  readonly events = new Subject<ConnectionEvent>();
  private readonly pipeline: H2Pipeline;
  private readonly highWater: number;
  private readonly bodies = new Map<number, OutboundBody>();
  private flushScheduled = false;
  private flushAfterWritePending = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private readingPausedForOutbound: { unpause(): void } | undefined;
  private inbound: Subscription | undefined;
  private finished = false;

  constructor(
    private readonly socket: Duplex,
    role: 'server' | 'client',
    private readonly options: SessionOptions,
  ) {
    this.highWater = options.outboundHighWaterMark ?? 1 << 20;
    this.pipeline = new H2Pipeline(socket, role, {
      stages: options.stages,
      headerBlock: options.headerBlock,
      maxHeaderListSize: options.maxHeaderListSize,
    });
    this.conn = new Connection(
      { ...options, role },
      {
        frame: (f: DecodedFrame) => this.pipeline.write(f),
        event: (e: ConnectionEvent) => this.onCoreEvent(e),
      },
    );
  }

  /** Starts the connection: our preface/SETTINGS out, then reads frames until the connection ends. */
  start(): void {
    // Frames of one turn already leave in one write; Nagle's algorithm would only hold small
    // responses back until the peer's delayed ACK (measured: 22 k req/s instead of 160 k+).
    (this.socket as Duplex & { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    this.pipeline.startOutbound();
    this.conn.start(Date.now());
    this.socket.on('drain', this.onDrain);
    this.inbound = this.pipeline
      .inbound((e) => this.onStreamError(e))
      .subscribe({
        next: (f) => {
          this.conn.receive(f, Date.now());
          this.scheduleFlush();
        },
        error: (e: unknown) => this.onInboundError(e),
        complete: () => this.finish(),
      });
    this.scheduleFlush();
  }

  /** Graceful GOAWAY (RFC 9113 §6.8): in-flight streams finish, then the connection closes. */
  shutdown(): void {
    if (this.finished) return;
    this.conn.goaway(Date.now());
    this.scheduleFlush();
  }

  /** Immediate GOAWAY with a code, then close. */
  abort(code: ErrorCode = 'NO_ERROR', debug?: string): void {
    if (this.finished) return;
    this.conn.goaway(Date.now(), {
      code,
      immediate: true,
      debugData: debug === undefined ? undefined : new TextEncoder().encode(debug),
    });
    this.scheduleFlush();
  }

  /**
   * Starts pulling `body` into stream `streamId` (headers already sent); `trailers`, when given,
   * are awaited after the body and end the stream.
   */
  sendBody(streamId: number, body: BodySource, trailers: Promise<FieldList> | FieldList | undefined): void {
    const pump: OutboundBody = {
      trailers,
      waiting: false,
      puller: pullBody(body, {
        chunk: (c, last) => {
          pump.waiting = false;
          if (last && pump.trailers === undefined) {
            // The whole body is known: END_STREAM rides on its last DATA frame.
            this.bodies.delete(streamId);
            this.conn.sendData(streamId, c, true);
            this.scheduleFlush();
            return;
          }
          if (!this.conn.sendData(streamId, c, false)) return this.dropBody(streamId);
          this.pull(streamId);
          this.scheduleFlush();
        },
        end: () => {
          pump.waiting = false;
          this.bodies.delete(streamId);
          this.endBody(streamId, pump.trailers);
        },
        error: (e: unknown) => {
          pump.waiting = false;
          this.bodies.delete(streamId);
          console.error(`h2tubes: body of stream ${streamId} failed:`, (e as Error)?.message ?? e);
          this.conn.resetStream(streamId, 'INTERNAL_ERROR');
          this.scheduleFlush();
        },
      }),
    };
    this.bodies.set(streamId, pump);
    this.pull(streamId);
  }

  /** Ends a stream that has no (more) body, with or without trailers. */
  endBody(streamId: number, trailers: Promise<FieldList> | FieldList | undefined): void {
    if (trailers === undefined) {
      this.conn.sendData(streamId, EMPTY, true);
      this.scheduleFlush();
      return;
    }
    Promise.resolve(trailers).then(
      (t: readonly HeaderField[]) => {
        if (t.length > 0) this.conn.sendTrailers(streamId, t);
        else this.conn.sendData(streamId, EMPTY, true);
        this.scheduleFlush();
      },
      () => {
        this.conn.resetStream(streamId, 'INTERNAL_ERROR');
        this.scheduleFlush();
      },
    );
  }

  /** Stops pulling a stream's body (it was reset or the connection went). */
  dropBody(streamId: number): void {
    const pump = this.bodies.get(streamId);
    if (pump === undefined) return;
    this.bodies.delete(streamId);
    pump.puller.cancel();
  }

  /** Coalesces work of one turn into one flush: DATA by priority within the socket's room, one write. */
  scheduleFlush(): void {
    if (this.flushScheduled || this.finished) return;
    this.flushScheduled = true;
    onNextMicrotask(this.flushNow);
  }

  private readonly flushNow = (): void => {
    this.flushScheduled = false;
    if (this.finished) return;
    const room = this.highWater - this.socket.writableLength;
    // The socket's room, not a window, stopped this flush: there may be more to send, and nothing
    // else may ask for it (a peer with huge windows sends no WINDOW_UPDATE, and a socket that took
    // everything at once emits no 'drain'). Look again once this batch has reached the socket.
    if (room > 0 && this.conn.flush(room) >= room) this.flushAfterWrite();
    if (this.socket.writableLength === 0) this.conn.flushed();
    this.applySocketBackpressure();
    this.armTimer();
    if (this.conn.isClosed) this.closeSocketWhenWritten();
  };

  private flushAfterWrite(): void {
    if (this.flushAfterWritePending) return;
    this.flushAfterWritePending = true;
    setImmediate(() => {
      this.flushAfterWritePending = false;
      this.scheduleFlush();
    });
  }

  private readonly onDrain = (): void => {
    this.conn.flushed();
    this.applySocketBackpressure();
    for (const id of this.bodies.keys()) this.pull(id);
    this.scheduleFlush();
  };

  /** DESIGN.md rule 4: stop reading while our outbound bytes are over the high-water mark. */
  private applySocketBackpressure(): void {
    const over = this.socket.writableLength > this.highWater;
    if (over && this.readingPausedForOutbound === undefined) {
      this.readingPausedForOutbound = this.pipeline.pauseReading('outbound over high-water mark');
    } else if (!over && this.readingPausedForOutbound !== undefined) {
      this.readingPausedForOutbound.unpause();
      this.readingPausedForOutbound = undefined;
    }
  }

  private pull(streamId: number): void {
    const pump = this.bodies.get(streamId);
    if (pump === undefined || pump.waiting) return;
    if (this.socket.writableLength > this.highWater) return; // resumed by 'drain'
    if (!this.conn.wantsData(streamId)) return; // resumed by sendCapacityAvailable
    pump.waiting = true;
    pump.puller.request();
  }

  private onCoreEvent(e: ConnectionEvent): void {
    switch (e.kind) {
      case 'settingsChanged':
        this.pipeline.applyPeerSettings(e.settings);
        break;
      case 'settingsAcknowledged':
        this.pipeline.applyLocalSettings(e.settings);
        break;
      case 'sendCapacityAvailable':
        this.pull(e.streamId);
        break;
      case 'streamReset':
        this.dropBody(e.streamId);
        break;
      case 'connectionClosed':
        for (const id of [...this.bodies.keys()]) this.dropBody(id);
        this.scheduleFlush();
        break;
      default:
        break;
    }
    this.options.onEvent?.(e);
    this.events.next(e);
  }

  private onInboundError(e: unknown): void {
    if (H2ProtocolError.is(e) && !this.conn.isClosed) {
      // A fault the codec detected (frame size, HPACK, CONTINUATION flood): GOAWAY with its code.
      this.conn.goaway(Date.now(), {
        code: e.code,
        immediate: true,
        debugData: new TextEncoder().encode(e.message.slice(0, 200)),
      });
      this.finish();
      return;
    }
    this.finish(e);
  }

  /** RFC 9113 §6.9.1-style structural stream errors from the parser: reset that stream only. */
  private onStreamError(e: H2ProtocolError): void {
    try {
      this.conn.resetStream(e.streamId, e.code);
    } catch {
      // The stream was never opened: nothing to reset, the frame is dropped.
    }
    this.scheduleFlush();
  }

  /** The core closed the connection: its last frames (GOAWAY) go out, then the socket ends. */
  private closeSocketWhenWritten(): void {
    this.finish();
  }

  private armTimer(): void {
    const at = this.conn.nextDeadline();
    if (at === undefined) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      return;
    }
    if (this.timer !== undefined && at >= this.timerAt) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.conn.tick(Date.now());
        this.scheduleFlush();
      },
      Math.max(0, at - Date.now()),
    );
    this.timer.unref?.();
  }

  private finish(error?: unknown): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.socket.off('drain', this.onDrain);
    this.inbound?.unsubscribe();
    for (const id of [...this.bodies.keys()]) this.dropBody(id);
    this.applySocketBackpressureOff();
    if (error !== undefined) {
      this.pipeline.dispose();
      this.socket.destroy();
    } else {
      this.pipeline.end(); // flushes the last frames, then ends the write side
    }
    if (error !== undefined) this.events.error(error);
    else this.events.complete();
  }

  /** Ends everything now (unsubscribe of the owning Observable). */
  dispose(): void {
    if (this.finished) return;
    if (!this.conn.isClosed) this.conn.goaway(Date.now(), { code: 'NO_ERROR', immediate: true });
    this.finish();
  }

  private applySocketBackpressureOff(): void {
    this.readingPausedForOutbound?.unpause();
    this.readingPausedForOutbound = undefined;
  }
}

const EMPTY = new Uint8Array(0);
