import type { Duplex } from 'node:stream';
import type { RequestHead } from '@h2tubes/h2-frames';
import { type ErrorCode, H2ProtocolError, type HeaderField } from '@h2tubes/h2-frames';
import { Link, linkOperator, NO_OUTPUT, onNextMicrotask } from '@h2tubes/tubes';
import {
  Observable,
  type OperatorFunction,
  type Subscriber,
  type TeardownLogic,
  type Unsubscribable,
} from 'rxjs';
import type { ConnectionEvent } from '../core/events.js';
import { responseHasNoContent } from '../core/response-has-no-content.js';
import type { ConnectionStage } from './connection-stage.js';
import type { BodySource, FieldList, ServerExchange } from './exchange-types.js';
import { H2Session, type SessionOptions } from './h2-session.js';
import { StreamBody } from './received-body.js';

/** Options of `serverConnection`. */
export interface ServerConnectionOptions extends SessionOptions {
  /** Emits once to start a graceful shutdown (GOAWAY, in-flight streams finish). */
  readonly gracefulClose?: Observable<unknown>;
}

/** One object for every connection started without options (their resolved options are shared). */
const DEFAULTS: ServerConnectionOptions = {};

/**
 * The server side of one HTTP/2 connection as an Observable of exchanges: subscribing starts the
 * connection on an accepted socket (for TLS, one that negotiated ALPN `h2`); each request that
 * arrives well formed is emitted once; it completes when the connection ends. Unsubscribing
 * closes the connection (GOAWAY NO_ERROR). It is the composition of the public stages
 * (`H2Session`: socket → `inboundFrames` → `ConnectionStage` → events) and `serverExchanges`.
 *
 * @example
 * net.createServer((socket) =>
 *   serverConnection(socket).subscribe((ex) => ex.respond(200, [{ name: 'content-type', value: 'text/plain' }], 'hi')),
 * ).listen(8080);
 */
export function serverConnection(
  socket: Duplex,
  options: ServerConnectionOptions = DEFAULTS,
): Observable<ServerExchange> {
  return new ServerConnection(socket, options);
}

/**
 * `serverConnection`'s Observable as a class, its subscribe a method and its teardown an object,
 * not a closure over the socket and options and one over the session (kept by every idle
 * connection with their contexts).
 */
class ServerConnection extends Observable<ServerExchange> {
  constructor(
    private readonly socket: Duplex,
    private readonly options: ServerConnectionOptions,
  ) {
    super();
  }

  /** Called by `Observable.subscribe` for each subscriber. */
  protected _subscribe(subscriber: Subscriber<ServerExchange>): TeardownLogic {
    const session = new H2Session(this.socket, 'server', this.options);
    const graceful = this.options.gracefulClose?.subscribe(new ShutdownOnSignal(session));
    // `session.events.pipe(serverExchanges(stage)).subscribe(subscriber)`, keeping the link.
    const exchanges = new ServerExchanges(subscriber, session.stage);
    Link.subscribe(session.events, exchanges, subscriber);
    session.start();
    return new SessionTeardown(session, exchanges, graceful);
  }
}

/**
 * Unsubscribing from `serverConnection`: the exchanges (aborted), the shutdown signal, then the
 * session (GOAWAY). A subscriber that keeps its finalizers in an array has ended the exchanges
 * already (they were added first); a `Link` runs this first.
 */
class SessionTeardown implements Unsubscribable {
  constructor(
    private readonly session: H2Session,
    private readonly exchanges: Unsubscribable,
    private readonly graceful: Unsubscribable | undefined,
  ) {}

  unsubscribe(): void {
    this.exchanges.unsubscribe();
    this.graceful?.unsubscribe();
    this.session.dispose();
  }
}

/** Graceful shutdown when `gracefulClose` emits: a link, no observer object and closure per connection. */
class ShutdownOnSignal extends Link<unknown, never> {
  constructor(private readonly session: H2Session) {
    super(NO_OUTPUT);
  }

  protected override _next(): void {
    this.session.shutdown();
  }
}

/**
 * The server role as a tube: a connection's events in, one `ServerExchange` per well-formed
 * request out. Request bodies and trailers, resets and the end of the connection reach the
 * exchanges they belong to; answers go back through `stage`. Unsubscribing, or the events
 * ending, aborts the exchanges still open.
 *
 * @example
 * socketFount(socket).pipe(inboundFrames(codec, h2.streamError), h2.receive, tap(codec.follow), serverExchanges(h2))
 *   .subscribe((ex) => ex.respond(200, [], 'hi'));
 */
export function serverExchanges(stage: ConnectionStage): OperatorFunction<ConnectionEvent, ServerExchange> {
  return linkOperator((out: Subscriber<ServerExchange>) => new ServerExchanges(out, stage));
}

/** The subscription of `serverExchanges`: one link, its map of exchanges made on the first request body. */
class ServerExchanges extends Link<ConnectionEvent, ServerExchange> {
  /** Exchanges whose request body is still arriving. */
  private exchanges: Map<number, Exchange> | undefined;

  constructor(
    out: Subscriber<ServerExchange>,
    private readonly stage: ConnectionStage,
  ) {
    super(out);
  }

  /**
   * Our response is complete and nobody reads the request body: the core discards the rest
   * with its credit returned, and resets the stream with NO_ERROR once the client has read
   * the response (RFC 9113 §8.1, `Connection.discardRequestBody`).
   */
  stopReceiving(ex: Exchange): void {
    if (this.exchanges?.get(ex.streamId) !== ex || ex.body.reading) return;
    this.exchanges.delete(ex.streamId);
    this.stage.conn.discardRequestBody(ex.streamId); // returns the held credit too
    ex.body.fail(
      new H2ProtocolError(
        'NO_ERROR',
        'stream',
        `the request body of stream ${ex.streamId} was not read before the response ended`,
      ),
    );
    this.stage.schedule();
  }

  protected override _next(e: ConnectionEvent): void {
    const stage = this.stage;
    switch (e.kind) {
      case 'requestReceived': {
        // A gRPC call's request body is a message stream the client may leave idle or slow
        // (client and bidi streaming): the core's body timeouts do not apply to it, as
        // ASP.NET Core's gRPC turns off Kestrel's minimum data rate for these calls.
        if (!e.endStream && isGrpc(e.fields)) stage.conn.exemptRequestBody(e.streamId);
        const ex = new Exchange(stage, e.streamId, e.fields, e.head, this);
        if (!e.endStream) {
          this.exchanges ??= new Map();
          this.exchanges.set(e.streamId, ex);
        } else ex.requestEnded([]);
        this.out.next(ex);
        break;
      }
      case 'dataReceived': {
        const ex = this.exchanges?.get(e.streamId);
        if (ex === undefined)
          stage.conn.consume(e.streamId, e.data.length); // nobody to give it to
        else if (e.data.length > 0) ex.body.push(e.data);
        if (e.endStream && ex !== undefined) {
          this.exchanges?.delete(e.streamId);
          ex.requestEnded([]);
        }
        break;
      }
      case 'trailersReceived': {
        const ex = this.exchanges?.get(e.streamId);
        this.exchanges?.delete(e.streamId);
        ex?.requestEnded(e.fields);
        break;
      }
      case 'localEnded': {
        // Our response is complete while the request is still arriving (core events come from
        // inside the core: act on the next microtask).
        const ex = this.exchanges?.get(e.streamId);
        if (ex === undefined) break;
        ex.responseEnded();
        onNextMicrotask(() => this.stopReceiving(ex));
        break;
      }
      case 'streamEnded':
        // Both directions ended: the exchange is complete, a later reset must not abort it.
        Exchange.forget(stage, e.streamId);
        break;
      case 'streamReset': {
        const ex = this.exchanges?.get(e.streamId) ?? Exchange.live.get(stage)?.get(e.streamId);
        this.exchanges?.delete(e.streamId);
        ex?.aborted(e.code, e.error);
        break;
      }
      default:
        break;
    }
  }

  protected override _error(err: unknown): void {
    Exchange.abortAll(this.stage, err);
    super._error(err);
  }

  protected override _complete(): void {
    Exchange.abortAll(this.stage, new Error('the connection closed'));
    super._complete();
  }

  override unsubscribe(): void {
    if (this.closed) return;
    super.unsubscribe();
    Exchange.abortAll(this.stage, new Error('the connection closed'));
  }
}

/** One request/response exchange on a server stream. */
class Exchange implements ServerExchange {
  /** Exchanges whose response is not finished yet, per connection, for aborting them when it goes. */
  static readonly live = new WeakMap<ConnectionStage, Map<number, Exchange>>();

  readonly method: string;
  readonly scheme: string;
  readonly authority: string | undefined;
  readonly path: string;
  readonly protocol: string | undefined;
  readonly body: StreamBody;
  readonly trailers: Promise<FieldList>;
  private resolveTrailers!: (t: FieldList) => void;
  /** Made on first `signal` read: most handlers never look, and each costs ~1 µs plus GC. */
  private abort: AbortController | undefined;
  private abortReason: unknown;
  private responded = false;
  private responseComplete = false;

  constructor(
    private readonly stage: ConnectionStage,
    readonly streamId: number,
    readonly fields: FieldList,
    head: RequestHead,
    /** Asked to stop the request body once the response is complete and nobody reads it. */
    owner: ServerExchanges,
  ) {
    this.method = head.method;
    this.scheme = head.scheme ?? '';
    this.authority = head.authority;
    this.path = head.path ?? '';
    this.protocol = head.protocol;
    // A body left mid-way after the response is complete is not wanted: ask the client to stop.
    this.body = new StreamBody(streamId, stage, () => {
      if (this.responseComplete) owner.stopReceiving(this);
    });
    this.trailers = new Promise((r) => {
      this.resolveTrailers = r;
    });
    let live = Exchange.live.get(stage);
    if (live === undefined) {
      live = new Map();
      Exchange.live.set(stage, live);
    }
    live.set(streamId, this);
  }

  get signal(): AbortSignal {
    if (this.abort === undefined) {
      this.abort = new AbortController();
      if (this.abortReason !== undefined) this.abort.abort(this.abortReason);
    }
    return this.abort.signal;
  }

  /** The exchange is complete; the map goes with the last one (an idle connection keeps none). */
  static forget(stage: ConnectionStage, streamId: number): void {
    const live = Exchange.live.get(stage);
    if (live === undefined) return;
    live.delete(streamId);
    if (live.size === 0) Exchange.live.delete(stage);
  }

  static abortAll(stage: ConnectionStage, reason: unknown): void {
    const live = Exchange.live.get(stage);
    if (live === undefined) return;
    Exchange.live.delete(stage);
    for (const ex of live.values()) ex.aborted('CANCEL', reason);
  }

  requestEnded(trailers: FieldList): void {
    this.body.end();
    this.resolveTrailers(trailers);
  }

  aborted(code: ErrorCode, reason: unknown): void {
    Exchange.forget(this.stage, this.streamId);
    const err =
      reason ?? new H2ProtocolError(code, 'stream', `stream ${this.streamId} was reset (${String(code)})`);
    this.body.fail(err);
    this.resolveTrailers([]);
    if (this.abortReason !== undefined) return;
    this.abortReason = err;
    this.abort?.abort(err);
  }

  sendInformational(status: number, fields: FieldList = []): void {
    this.stage.conn.sendInformational(this.streamId, withStatus(status, fields));
    this.stage.schedule();
  }

  respond(
    status: number,
    fields: FieldList,
    body?: BodySource,
    trailers?: Promise<FieldList> | FieldList,
  ): void {
    if (this.responded) throw new Error(`stream ${this.streamId} already has a response`);
    const conn = this.stage.conn;
    const noContent = responseHasNoContent(this.method, status);
    const hasBody = body !== undefined && !noContent;
    const endStream = !hasBody && trailers === undefined;
    // A response the core rejects (malformed, or over the peer's SETTINGS_MAX_HEADER_LIST_SIZE)
    // throws before anything is written, so the caller may still answer another way.
    const sent = conn.respond(this.streamId, withStatus(status, fields), { endStream });
    this.responded = true;
    if (!sent) return;
    if (endStream) this.done();
    else if (hasBody) this.stage.sendBody(this.streamId, body, trailers);
    else this.stage.endBody(this.streamId, trailers);
    this.stage.schedule();
  }

  /** Our response went out whole (END_STREAM) while the request is still arriving. */
  responseEnded(): void {
    this.responseComplete = true;
    this.done();
  }

  exemptBodyTimeouts(): void {
    this.stage.conn.exemptRequestBody(this.streamId);
  }

  reset(code: ErrorCode = 'CANCEL'): void {
    this.stage.dropBody(this.streamId);
    this.stage.conn.resetStream(this.streamId, code);
    this.stage.schedule();
  }

  private done(): void {
    Exchange.forget(this.stage, this.streamId);
  }
}

/** RFC 9110 §8.3 media type `application/grpc` or `application/grpc+proto` and the like. */
function isGrpc(fields: FieldList): boolean {
  for (const f of fields) if (f.name === 'content-type') return f.value.startsWith('application/grpc');
  return false;
}

function withStatus(status: number, fields: FieldList): HeaderField[] {
  const out: HeaderField[] = [{ name: ':status', value: String(status) }];
  for (const f of fields) out.push(f);
  return out;
}
