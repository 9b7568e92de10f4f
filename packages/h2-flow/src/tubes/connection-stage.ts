import { type DecodedFrame, type ErrorCode, H2ProtocolError, H2UsageError } from '@h2tubes/h2-frames';
import {
  Link,
  linkOperator,
  type OutboundRoom,
  type OverflowPolicy,
  Relay,
  UNBOUNDED_ROOM,
} from '@h2tubes/tubes';
import type { Observable, OperatorFunction, Subscriber, Subscription } from 'rxjs';
import { Connection } from '../core/connection.js';
import type { ConnectionEvent, ConnectionSink } from '../core/events.js';
import type { ConnectionOptions } from '../core/options.js';
import { DeadlineTimer } from './deadline-timer.js';
import type { BodySource, FieldList } from './exchange-types.js';
import { FlushPacer } from './flush-pacer.js';
import { OutboundBodies, type OutboundBodiesHost } from './outbound-bodies.js';
import { defaultReportError, type ReportError } from './report-error.js';

/** Options of a `ConnectionStage`: the core's options plus what the stage itself needs. */
export interface ConnectionStageOptions extends ConnectionOptions {
  /** How much the writer downstream of `outbound` can take (default: unbounded). */
  readonly room?: OutboundRoom;
  /** Called with each event of the connection core, for logging and metrics. */
  readonly onEvent?: (e: ConnectionEvent) => void;
  /** Where failures the wire cannot tell (a body source that threw) are reported. Default: one console line. */
  readonly onError?: ReportError;
  /** What a plain Observable body may emit ahead of the windows (default: fail past 1 MiB). */
  readonly observableBodyPolicy?: OverflowPolicy<Uint8Array>;
}

const encoder = new TextEncoder();

/**
 * The HTTP/2 connection as a tube: decoded frames in, connection events out (`receive`), and the
 * frames it writes as a stream (`outbound`) for the user to pipe on to `encodeHpack →
 * serializeFrames → socket`. Around the sans-I/O `Connection` it adds only bytes, time and
 * demand: one flush per turn within the writer's room (`FlushPacer`), a timer for the core's
 * deadlines (`DeadlineTimer`), and the response/request body pumps (`OutboundBodies`).
 *
 * Subscribing to `receive` starts the connection (our SETTINGS go out); it completes when the
 * connection ends. Unsubscribing closes it (GOAWAY NO_ERROR).
 *
 * @example
 * const codec = new FrameCodec('server');
 * const h2 = new ConnectionStage({ role: 'server', room: socketRoom(socket) });
 * h2.outbound.pipe(outboundBytes(codec)).subscribe((b) => socket.write(b));
 * socketFount(socket).pipe(inboundFrames(codec, h2.streamError), h2.receive, tap(codec.follow)).subscribe(...);
 */
export class ConnectionStage {
  /**
   * What the stage's parts call back, in one object per stage rather than a closure per callback
   * (an idle connection keeps them all): the core's sink, the body pumps' host, the flush pacer's
   * and the deadline timer's target. Nested, so that it reaches the stage's private members.
   */
  private static readonly Hooks = class implements ConnectionSink, OutboundBodiesHost {
    constructor(private readonly stage: ConnectionStage) {}

    // ConnectionSink
    frame(f: DecodedFrame): void {
      this.stage.out.next(f);
    }
    event(e: ConnectionEvent): void {
      this.stage.onCoreEvent(e);
    }

    // OutboundBodiesHost
    get conn(): Connection {
      return this.stage.conn;
    }
    get observablePolicy(): OverflowPolicy<Uint8Array> | undefined {
      return this.stage.options.observableBodyPolicy;
    }
    schedule(): void {
      this.stage.schedule();
    }
    scheduleSoon(): void {
      this.stage.pacer.again();
    }
    room(): number {
      return this.stage.room.room();
    }
    bodyFailed(streamId: number, e: unknown): void {
      this.stage.reportError(e, { streamId, what: 'response or request body' });
    }

    // FlushPacer
    flush(): void {
      this.stage.flush();
    }

    // DeadlineTimer
    onDeadline(): void {
      this.stage.conn.tick(Date.now());
      this.stage.schedule();
    }
  };

  readonly conn: Connection;
  /** Frames the connection writes, HEADERS as decoded field lists, in the order written. */
  readonly outbound: Observable<DecodedFrame>;
  private readonly out = new Relay<DecodedFrame>();
  private readonly room: OutboundRoom;
  private readonly bodies: OutboundBodies;
  private readonly hooks = new ConnectionStage.Hooks(this);
  private readonly pacer = new FlushPacer(this.hooks);
  private readonly timer = new DeadlineTimer(this.hooks);
  private readonly reportError: ReportError;
  private subscriber: Subscriber<ConnectionEvent> | undefined;
  private inbound: Subscription | undefined;
  private offRoom: (() => void) | undefined;
  private started = false;
  private finished = false;

  /**
   * `room`, when given, is the writer's room instead of `options.room`: a server hands the same
   * options to every connection and each its own socket's room.
   */
  constructor(
    private readonly options: ConnectionStageOptions,
    room?: OutboundRoom,
  ) {
    this.room = room ?? options.room ?? UNBOUNDED_ROOM;
    this.reportError = options.onError ?? defaultReportError;
    this.outbound = this.out;
    this.conn = new Connection(options, this.hooks);
    this.bodies = new OutboundBodies(this.hooks);
  }

  /**
   * Decoded frames in, connection events out. Subscribe once. (Made at each use, not kept in a
   * field: the operator's closures would stay with every idle connection.)
   */
  get receive(): OperatorFunction<DecodedFrame, ConnectionEvent> {
    return linkOperator((subscriber: Subscriber<ConnectionEvent>) => this.subscribeReceive(subscriber));
  }

  private subscribeReceive(subscriber: Subscriber<ConnectionEvent>): Subscriber<DecodedFrame> | undefined {
    if (this.started) {
      subscriber.error(new H2UsageError('a ConnectionStage is subscribed once'));
      return undefined;
    }
    this.started = true;
    this.subscriber = subscriber;
    this.offRoom = this.room.onRoom(this.onRoom);
    this.conn.start(Date.now());
    const inbound = new ConnectionStage.Inbound(subscriber, this);
    this.inbound = inbound;
    this.schedule();
    return inbound;
  }

  /**
   * The subscriber of the decoded frames, one link (no observer object and closures per
   * connection): each frame into the core; their end or failure ends the stage; unsubscribing
   * from `receive` closes the connection.
   */
  private static readonly Inbound = class extends Link<DecodedFrame, ConnectionEvent> {
    constructor(
      out: Subscriber<ConnectionEvent>,
      private readonly stage: ConnectionStage,
    ) {
      super(out);
    }

    protected override _next(f: DecodedFrame): void {
      this.stage.conn.receive(f, Date.now());
      this.stage.schedule();
    }

    protected override _error(e: unknown): void {
      this.stage.onInboundError(e);
    }

    protected override _complete(): void {
      this.stage.finish();
    }

    override unsubscribe(): void {
      if (this.closed) return;
      super.unsubscribe();
      this.stage.dispose();
    }
  };

  /**
   * A structural stream error the parser found (RFC 9113 §6.3: PRIORITY of the wrong length):
   * that stream is reset, the connection goes on. Pass it to `parseFrames`/`inboundFrames`.
   */
  readonly streamError = (e: H2ProtocolError): void => {
    this.conn.receiveFrameError(e, Date.now());
    this.schedule();
  };

  /**
   * The consumer used `octets` of a stream's received body: the credit goes back (WINDOW_UPDATE),
   * and the core's clocks that stopped on a full window are looked at again this turn.
   */
  consume(streamId: number, octets: number): void {
    this.conn.consume(streamId, octets);
    this.schedule();
  }

  /** Coalesces the work of one turn into one flush. Call after any call into `conn`. */
  schedule(): void {
    if (!this.finished) this.pacer.schedule();
  }

  /** Graceful GOAWAY (RFC 9113 §6.8): in-flight streams finish, then the connection closes. */
  shutdown(): void {
    if (this.finished) return;
    this.conn.goaway(Date.now());
    this.schedule();
  }

  /** Immediate GOAWAY with a code, then close. */
  abort(code: ErrorCode = 'NO_ERROR', debug?: string): void {
    if (this.finished) return;
    this.conn.goaway(Date.now(), {
      code,
      immediate: true,
      debugData: debug === undefined ? undefined : encoder.encode(debug),
    });
    this.schedule();
  }

  /** Starts pulling `body` into a stream whose headers went out; `trailers` end it when given. */
  sendBody(streamId: number, body: BodySource, trailers: Promise<FieldList> | FieldList | undefined): void {
    this.bodies.send(streamId, body, trailers);
  }

  /** Ends a stream that has no (more) body, with or without trailers. */
  endBody(streamId: number, trailers: Promise<FieldList> | FieldList | undefined): void {
    this.bodies.end(streamId, trailers);
  }

  /** Stops pulling a stream's body. */
  dropBody(streamId: number): void {
    this.bodies.drop(streamId);
  }

  /** Ends everything now: GOAWAY NO_ERROR if the connection is still open, then close. */
  dispose(): void {
    if (this.finished) return;
    if (!this.conn.isClosed) this.conn.goaway(Date.now(), { code: 'NO_ERROR', immediate: true });
    this.finish();
  }

  /** DATA by priority within the writer's room, control frames as they come; one batch per turn. */
  private flush(): void {
    if (this.finished) return;
    const room = this.room.room();
    // The writer's room, not a window, stopped this flush: there may be more to send, and nothing
    // else may ask for it (a peer with huge windows sends no WINDOW_UPDATE, and a socket that took
    // everything at once emits no 'drain'). Look again once this batch has reached the writer.
    if (room > 0 && this.conn.flush(room) >= room) this.pacer.again();
    if (this.room.idle()) this.conn.flushed();
    this.timer.arm(this.conn.nextDeadline());
    if (this.conn.isClosed) this.finish(); // the last frames (GOAWAY) are out: end the outbound stream
  }

  private readonly onRoom = (): void => {
    if (this.finished) return; // a room that calls after `offRoom` (H2Session's, until it closes)
    this.conn.flushed();
    this.bodies.pullAll();
    this.schedule();
  };

  private onCoreEvent(e: ConnectionEvent): void {
    switch (e.kind) {
      case 'sendCapacityAvailable':
        this.bodies.pull(e.streamId);
        break;
      case 'streamReset':
        this.bodies.drop(e.streamId);
        break;
      case 'connectionClosed':
        this.bodies.dropAll();
        this.schedule();
        break;
      default:
        break;
    }
    this.options.onEvent?.(e);
    this.subscriber?.next(e);
  }

  private onInboundError(e: unknown): void {
    if (H2ProtocolError.is(e) && !this.conn.isClosed) {
      // A fault the codec detected (frame size, HPACK, CONTINUATION flood): GOAWAY with its code.
      this.conn.goaway(Date.now(), {
        code: e.code,
        immediate: true,
        debugData: encoder.encode(e.message.slice(0, 200)),
      });
      this.finish();
      return;
    }
    this.finish(e);
  }

  private finish(error?: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.pacer.stop();
    this.timer.cancel();
    this.offRoom?.();
    this.inbound?.unsubscribe();
    this.bodies.dropAll();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (error !== undefined) {
      this.out.error(error);
      subscriber?.error(error);
    } else {
      this.out.complete();
      subscriber?.complete();
    }
  }
}
