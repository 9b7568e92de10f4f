import { type ErrorCode, H2ProtocolError, H2UsageError, type HeaderField } from '@h2tubes/h2-frames';
import { Observable, type OperatorFunction, type Subscriber } from 'rxjs';
import type { ConnectionEvent } from '../core/events.js';
import type { ConnectionStage } from './connection-stage.js';
import type { ClientRequest, ClientResponse, FieldList } from './exchange-types.js';
import { StreamBody } from './received-body.js';

/** The client side of one HTTP/2 connection: requests go out through it, each response comes back as an Observable. */
export interface ClientSession {
  /**
   * Sends a request when subscribed (queued while the peer's SETTINGS_MAX_CONCURRENT_STREAMS is
   * reached, RFC 9113 §5.1.2) and emits its final response once, then completes; the body keeps
   * streaming through `response.body`. Fails with an `H2ProtocolError` when the stream is reset;
   * `retryable` on the error says the server did not process it (REFUSED_STREAM, or above a
   * GOAWAY's last-stream-id, RFC 9113 §8.7). Unsubscribing before the response resets the stream;
   * `req.signal` aborts it (RST_STREAM CANCEL, the body fails with the reason) until the body is over.
   */
  request(req: ClientRequest): Observable<ClientResponse>;
  /** Graceful GOAWAY; resolves `closed` once in-flight streams end. */
  close(): void;
  /** Immediate GOAWAY with `code` and optional debug text (RFC 9113 §6.8); open streams fail. */
  abort(code?: ErrorCode, debug?: string): void;
  /** Resolves when the connection is over. */
  readonly closed: Promise<void>;
  /** False once the connection no longer takes new requests (GOAWAY either way, or closed). */
  readonly accepting: boolean;
}

/** A reset that says whether the request may be sent again on another connection. */
export interface StreamResetError extends H2ProtocolError {
  readonly retryable: boolean;
}

interface Pending {
  /** The stream id; a REFUSED_STREAM retry moves the request to a new one. */
  id: number;
  subscriber: Subscriber<ClientResponse>;
  readonly req: ClientRequest;
  body: StreamBody | undefined;
  resolveTrailers: ((t: FieldList) => void) | undefined;
  responded: boolean;
  /** Listens to `req.signal` until the stream is over, body included. */
  onAbort: (() => void) | undefined;
}

/**
 * The client role as a tube, the mirror of `serverExchanges`: a client connection's events in,
 * the `ClientSession` that issues requests on it out, once, as soon as it is subscribed (after
 * subscribing upstream, so in a chain that ends in `stage.receive` the connection has started).
 * Responses, their bodies and trailers, resets and the end of the connection reach the requests
 * they belong to; requests and request bodies go out through `stage`. It completes when the
 * connection ends; unsubscribing fails the requests still open (and, through `stage.receive`
 * upstream, closes the connection with GOAWAY NO_ERROR).
 *
 * @example
 * socketFount(socket).pipe(inboundFrames(codec, h2.streamError), h2.receive, tap(codec.follow), clientExchanges(h2))
 *   .subscribe((client) => client.request({ method: 'GET', scheme: 'http', authority: 'example.test', path: '/' }).subscribe(...));
 */
export function clientExchanges(stage: ConnectionStage): OperatorFunction<ConnectionEvent, ClientSession> {
  return (events) =>
    new Observable<ClientSession>((subscriber) => {
      const role = new ClientRole(stage);
      const sub = events.subscribe({
        next: (e) => role.onEvent(e),
        error: (err: unknown) => {
          role.end(err);
          subscriber.error(err);
        },
        complete: () => {
          role.end(connectionClosed());
          subscriber.complete();
        },
      });
      if (!subscriber.closed) subscriber.next(role.session);
      return () => {
        sub.unsubscribe();
        role.end(connectionClosed());
      };
    });
}

function connectionClosed(): StreamResetError {
  return Object.assign(new H2ProtocolError('CANCEL', 'connection', 'the connection closed'), {
    retryable: false,
  });
}

/** The requests of one client connection, by stream id, and what each event means for them. */
class ClientRole {
  readonly session: ClientSession;
  private readonly pending = new Map<number, Pending>();
  /** requestSent can fire inside conn.request(), before its id is known here. */
  private readonly sentEarly = new Set<number>();
  private resolveClosed!: () => void;
  private ended = false;

  constructor(private readonly stage: ConnectionStage) {
    const closed = new Promise<void>((r) => {
      this.resolveClosed = r;
    });
    const role = this;
    this.session = {
      closed,
      get accepting() {
        return !role.ended && stage.conn.canRequest();
      },
      close: () => stage.shutdown(),
      abort: (code, debug) => stage.abort(code, debug),
      request: (req) => new Observable<ClientResponse>((subscriber) => this.send(req, subscriber)),
    };
  }

  /** The connection is over: every request still open fails with `err`. */
  end(err: unknown): void {
    if (this.ended) return;
    this.ended = true;
    for (const p of [...this.pending.values()]) this.fail(p, err);
    this.resolveClosed();
  }

  onEvent(e: ConnectionEvent): void {
    switch (e.kind) {
      case 'requestSent': {
        const p = this.pending.get(e.streamId);
        if (p === undefined) this.sentEarly.add(e.streamId);
        else this.startBody(e.streamId, p);
        break;
      }
      case 'requestRetried': {
        const p = this.pending.get(e.previousStreamId);
        if (p === undefined) break;
        this.pending.delete(e.previousStreamId);
        p.id = e.streamId;
        this.pending.set(e.streamId, p);
        break;
      }
      case 'responseReceived': {
        const p = this.pending.get(e.streamId);
        if (p === undefined || e.informational) break;
        p.responded = true;
        // A consumer that stops reading the body before its end does not want the rest.
        const body = new StreamBody(e.streamId, this.stage, () => {
          if (this.pending.get(p.id) !== p) return;
          this.settle(p);
          p.resolveTrailers?.([]);
          this.cancelStream(p);
        });
        p.body = body;
        const trailers = new Promise<FieldList>((r) => {
          p.resolveTrailers = r;
        });
        p.subscriber.next({ streamId: e.streamId, status: e.status, fields: e.fields, body, trailers });
        p.subscriber.complete();
        if (e.endStream) {
          this.settle(p);
          body.end();
          p.resolveTrailers?.([]);
        }
        break;
      }
      case 'dataReceived': {
        const p = this.pending.get(e.streamId);
        if (p?.body === undefined) {
          this.stage.conn.consume(e.streamId, e.data.length); // nobody to give it to
          break;
        }
        if (e.data.length > 0) p.body.push(e.data);
        if (e.endStream) {
          this.settle(p);
          p.body.end();
          p.resolveTrailers?.([]);
        }
        break;
      }
      case 'trailersReceived': {
        const p = this.pending.get(e.streamId);
        if (p === undefined) break;
        this.settle(p);
        p.body?.end();
        p.resolveTrailers?.(e.fields);
        break;
      }
      case 'streamReset': {
        const p = this.pending.get(e.streamId);
        if (p === undefined) break;
        const err = Object.assign(
          e.error ??
            new H2ProtocolError(e.code, 'stream', `stream ${e.streamId} was reset (${String(e.code)})`, {
              streamId: e.streamId,
              initiator: e.by,
            }),
          { retryable: e.retryable },
        );
        this.fail(p, err);
        break;
      }
      default:
        break;
    }
  }

  /** One `request()` subscription: HEADERS now (or queued by the core), the body once they are out. */
  private send(req: ClientRequest, subscriber: Subscriber<ClientResponse>): (() => void) | undefined {
    const fields: HeaderField[] = [
      { name: ':method', value: req.method },
      { name: ':scheme', value: req.scheme },
      { name: ':authority', value: req.authority },
      { name: ':path', value: req.path },
    ];
    if (req.protocol !== undefined) fields.push({ name: ':protocol', value: req.protocol });
    for (const f of req.fields ?? []) fields.push(f);
    const endStream = req.body === undefined && req.trailers === undefined;
    if (req.signal?.aborted) {
      subscriber.error(req.signal.reason);
      return undefined;
    }
    if (this.ended) {
      // The events ended (the socket failed, say) before the core saw its connection close.
      subscriber.error(new H2UsageError('the connection no longer accepts requests (closed)'));
      return undefined;
    }
    let id: number;
    try {
      id = this.stage.conn.request(fields, { endStream });
    } catch (e) {
      subscriber.error(e);
      return undefined;
    }
    const p: Pending = {
      id,
      subscriber,
      req,
      body: undefined,
      resolveTrailers: undefined,
      responded: false,
      onAbort: undefined,
    };
    this.pending.set(id, p);
    if (this.sentEarly.delete(id)) this.startBody(id, p);
    this.stage.schedule();
    // Fetch semantics: the signal aborts the request until its body is over, so it outlives
    // this Observable (which completes at the response headers). Fail first: the reset below
    // emits streamReset, whose generic error must not win.
    p.onAbort = () => {
      if (this.pending.get(p.id) !== p) return;
      this.fail(p, req.signal?.reason ?? new Error('aborted'));
      this.cancelStream(p);
    };
    req.signal?.addEventListener('abort', p.onAbort, { once: true });
    return () => {
      if (p.responded || this.pending.get(p.id) !== p) return; // the body goes on; so does the signal
      this.settle(p);
      this.cancelStream(p);
    };
  }

  private startBody(id: number, p: Pending): void {
    if (p.req.body !== undefined) this.stage.sendBody(id, p.req.body, p.req.trailers);
    else if (p.req.trailers !== undefined) this.stage.endBody(id, p.req.trailers);
  }

  /** The stream is over (ended, reset or failed): forget it, stop listening to its signal. */
  private settle(p: Pending): void {
    this.pending.delete(p.id);
    if (p.onAbort !== undefined) p.req.signal?.removeEventListener('abort', p.onAbort);
  }

  /** RST_STREAM CANCEL (RFC 9113 §8.1): we no longer want this stream; its body stops being sent. */
  private cancelStream(p: Pending): void {
    this.stage.dropBody(p.id);
    this.stage.conn.resetStream(p.id, 'CANCEL');
    this.stage.schedule();
  }

  private fail(p: Pending, err: unknown): void {
    this.settle(p);
    if (!p.responded) p.subscriber.error(err);
    p.body?.fail(err);
    p.resolveTrailers?.([]);
  }
}
