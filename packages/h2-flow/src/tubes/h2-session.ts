import type { Duplex } from 'node:stream';
import { CONNECTION_PREFACE, type FieldBlockAssemblerOptions } from '@h2tubes/h2-frames';
import {
  Link,
  NO_OUTPUT,
  type OutboundRoom,
  onNextMicrotaskOf,
  type PauseToken,
  Relay,
  type SocketFount,
  socketFount,
} from '@h2tubes/tubes';
import type { Observable, Subscription } from 'rxjs';
import type { Connection } from '../core/connection.js';
import type { ConnectionEvent } from '../core/events.js';
import { ConnectionStage, type ConnectionStageOptions } from './connection-stage.js';
import { FrameCodec } from './frame-codec.js';
import { type FrameStages, inboundFrames, outboundBytes } from './frame-stages.js';

/** Options shared by the server and client tube layers. */
export interface SessionOptions extends Omit<ConnectionStageOptions, 'role' | 'room'> {
  /**
   * Outbound octets the socket may hold before we stop pulling bodies and stop reading the
   * socket (DESIGN.md rule 4, CVE-2019-9517: a peer that never reads cannot grow our memory).
   * Default 1 MiB.
   */
  readonly outboundHighWaterMark?: number;
  /** Operators to insert at any boundary of the frame chain, both directions (a logger, a rewriter). */
  readonly stages?: FrameStages;
  /** Bounds of an encoded field block (DESIGN.md: 64 KiB, 8 CONTINUATION frames). */
  readonly fieldBlock?: FieldBlockAssemblerOptions;
}

/**
 * One HTTP/2 connection over a socket, composed from the public stages:
 *
 *   socketFount ─ inboundFrames(codec) ─ stage.receive ─ tap(codec.follow) ─► events
 *   stage.outbound ─ outboundBytes(codec) ─► socket.write
 *
 * plus the socket's own backpressure (reading paused while our writes are over the high-water
 * mark) and the close that lets a last GOAWAY arrive. The roles (`serverExchanges`,
 * `clientExchanges` on `stage`) turn `events` into exchanges.
 */
export class H2Session {
  readonly stage: ConnectionStage;
  /** Core events (SETTINGS already applied to the codec). */
  readonly events: Observable<ConnectionEvent>;
  private readonly eventsOut = new Relay<ConnectionEvent>();
  private readonly codec: FrameCodec;
  private readonly fount: SocketFount;
  private readonly highWater: number;
  private readingPaused: PauseToken | undefined;
  private corked = false;
  private inbound: Subscription | undefined;
  /** The last link of the outbound chain, and the room the stage writes within. */
  private readonly writer: InstanceType<typeof H2Session.Writer>;
  /** The stage's `onRoom` listener, called on the socket's 'drain' (see `onSocketDrain`). */
  private roomListener: (() => void) | undefined;
  /** For `onNextMicrotaskOf`: the end of the turn reaches this session without a closure of its own. */
  private readonly self = Promise.resolve(this);

  constructor(
    private readonly socket: Duplex,
    private readonly role: 'server' | 'client',
    private readonly options: SessionOptions,
  ) {
    this.highWater = options.outboundHighWaterMark ?? 1 << 20;
    this.codec = new FrameCodec(role, {
      maxHeaderListSize: options.maxHeaderListSize,
      fieldBlock: options.fieldBlock,
    });
    // The session still writes (a last GOAWAY) after it stops reading: detach, do not destroy.
    this.fount = socketFount(socket, { onUnsubscribe: 'detach' });
    this.writer = new H2Session.Writer(this);
    this.stage = new ConnectionStage(stageOptions(options, role), this.writer);
    this.events = this.eventsOut;
  }

  get conn(): Connection {
    return this.stage.conn;
  }

  /** Starts the connection: our preface/SETTINGS out, then reads frames until the connection ends. */
  start(): void {
    // Frames of one turn already leave in one write; Nagle's algorithm would only hold small
    // responses back until the peer's delayed ACK (measured: 22 k req/s instead of 160 k+).
    (this.socket as Duplex & { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    // RFC 9113 §3.4: the client's connection preface comes before any frame.
    if (this.role === 'client') this.socket.write(CONNECTION_PREFACE);
    H2Session.sessions.set(this.socket, this);
    this.socket.on('drain', H2Session.onSocketDrain);
    Link.subscribe(this.stage.outbound.pipe(outboundBytes(this.codec, this.options.stages)), this.writer);
    // The last link: SETTINGS reach the codec (tap(codec.follow)), then the events go out.
    const inbound = new FollowSettings(this.eventsOut, this.codec);
    this.inbound = inbound;
    Link.subscribe(
      this.fount.pipe(
        inboundFrames(this.codec, this.stage.streamError, this.options.stages),
        this.stage.receive,
      ),
      inbound,
    );
  }

  /** Graceful GOAWAY (RFC 9113 §6.8): in-flight streams finish, then the connection closes. */
  shutdown(): void {
    this.stage.shutdown();
  }

  /** Ends everything now (unsubscribe of the owning Observable). */
  dispose(): void {
    this.stage.dispose();
    this.inbound?.unsubscribe();
  }

  /**
   * The chunks of one turn (frame headers, DATA payloads by reference) leave in one vectored
   * write: corked until the end of the turn (over TLS: few large records rather than one per chunk).
   */
  private corkForTurn(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    onNextMicrotaskOf(this.self, H2Session.uncorkOf);
  }

  /** The end of the turn: the chunks corked in it go out. */
  private uncork(): void {
    this.corked = false;
    this.socket.uncork();
  }

  private static readonly uncorkOf = (session: H2Session): void => session.uncork();

  /**
   * The session of each socket, for `onSocketDrain`: one shared listener, called with `this` the
   * socket, instead of a closure per session (a WeakMap entry is ~32 B, a closure and its context ~96).
   */
  private static readonly sessions = new WeakMap<Duplex, H2Session>();

  /** The socket's 'drain': reading may resume, and the stage has room again. */
  private static readonly onSocketDrain = function (this: Duplex): void {
    const session = H2Session.sessions.get(this);
    session?.applySocketBackpressure();
    session?.roomListener?.();
  };

  /**
   * The last link of the outbound chain (a subclass, not an observer object with closures per
   * connection): each turn's bytes to the socket; the end of the frames closes it. It is also the
   * stage's `OutboundRoom`, the socket's below the high-water mark, whose 'drain' the session
   * hands on (one listener per socket for both, not a closure each and one to remove them).
   */
  private static readonly Writer = class extends Link<Uint8Array, never> implements OutboundRoom {
    constructor(private readonly session: H2Session) {
      super(NO_OUTPUT);
    }

    room(): number {
      return this.session.highWater - this.session.socket.writableLength;
    }

    idle(): boolean {
      return this.session.socket.writableLength === 0;
    }

    /**
     * One listener, the stage's; it is dropped when the session closes. The unsubscribe returned
     * does nothing: the stage calls it when it finishes, and ignores room from then on.
     */
    onRoom(listener: () => void): () => void {
      this.session.roomListener = listener;
      return ignore;
    }

    protected override _next(bytes: Uint8Array): void {
      this.session.write(bytes);
    }

    protected override _error(): void {
      this.unsubscribe();
      this.session.close(true);
    }

    protected override _complete(): void {
      this.unsubscribe();
      this.session.close(false);
    }
  };

  private write(bytes: Uint8Array): void {
    if (this.socket.writable) {
      this.corkForTurn();
      this.socket.write(bytes);
    }
    this.applySocketBackpressure();
  }

  /** DESIGN.md rule 4: stop reading while our outbound bytes are over the high-water mark. */
  private applySocketBackpressure(): void {
    const over = this.socket.writableLength > this.highWater;
    if (over && this.readingPaused === undefined) {
      this.readingPaused = this.fount.pauseFlow('outbound over high-water mark');
    } else if (!over && this.readingPaused !== undefined) {
      this.readingPaused.unpause();
      this.readingPaused = undefined;
    }
  }

  /** The connection ended: its last frames are written; end the socket so they arrive, or destroy it. */
  private close(failed: boolean): void {
    this.socket.off('drain', H2Session.onSocketDrain);
    H2Session.sessions.delete(this.socket);
    this.roomListener = undefined;
    this.readingPaused?.unpause();
    this.readingPaused = undefined;
    if (failed) this.socket.destroy();
    else if (this.socket.writable) closeAfterWriting(this.socket);
  }
}

/**
 * The stage's options for a role: one object per options object and role, not a copy per
 * connection (the core resolves an options object once, see `Connection`).
 */
const stageOptionsByRole = {
  server: new WeakMap<SessionOptions, ConnectionStageOptions>(),
  client: new WeakMap<SessionOptions, ConnectionStageOptions>(),
};

function stageOptions(options: SessionOptions, role: 'server' | 'client'): ConnectionStageOptions {
  let o = stageOptionsByRole[role].get(options);
  if (o === undefined) {
    o = { ...options, role };
    stageOptionsByRole[role].set(options, o);
  }
  return o;
}

const ignore = (): void => {};

/** Applies the SETTINGS each event carries to the codec, then passes the event on. */
class FollowSettings extends Link<ConnectionEvent, ConnectionEvent> {
  constructor(
    out: Relay<ConnectionEvent>,
    private readonly codec: FrameCodec,
  ) {
    super(out);
  }

  protected override _next(e: ConnectionEvent): void {
    this.codec.followEvent(e);
    this.out.next(e);
  }
}

/**
 * How long, and for how many octets, we keep reading after our last frame (the GOAWAY) before the
 * socket is destroyed: long enough for a peer that is still writing (a flood cut mid-way) to stop
 * and read the GOAWAY, bounded so that a peer that keeps sending cannot hold the socket.
 */
const LINGER_MS = 2000;
const LINGER_MAX_OCTETS = 16 << 20;

/**
 * Ends the write side after the last frame (our GOAWAY) and keeps reading, discarding, until the
 * peer closes too or the linger bound (time or octets) is reached (RFC 9113 §5.4.1: send GOAWAY,
 * then close). Destroying at once makes the kernel answer unread or still-arriving input with a
 * TCP RST, and a RST purges the peer's receive queue: the GOAWAY would be lost, and a flooding
 * peer would see only EPIPE. Never destroying would leave a half-open socket behind a peer that
 * does not close.
 */
function closeAfterWriting(socket: Duplex): void {
  socket.end();
  let discarded = 0;
  socket.on('data', (chunk: Uint8Array) => {
    discarded += chunk.length;
    if (discarded > LINGER_MAX_OCTETS) socket.destroy();
  });
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref?.();
  socket.once('close', () => clearTimeout(timer));
}
