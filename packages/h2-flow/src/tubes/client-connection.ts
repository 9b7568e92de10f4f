import type { Duplex } from 'node:stream';
import { type ErrorCode, H2ProtocolError, type HeaderField } from '@h2tubes/h2-frames';
import { Observable, type Subscriber } from 'rxjs';
import type { ConnectionEvent } from '../core/events.js';
import type { ClientRequest, ClientResponse, FieldList } from './exchange-types.js';
import { H2Session, type SessionOptions } from './h2-session.js';
import { StreamBody } from './received-body.js';

/** The client side of one HTTP/2 connection. */
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
 * Starts the client side of an HTTP/2 connection on a connected socket (for TLS, one that
 * negotiated ALPN `h2`): writes the preface and SETTINGS (ENABLE_PUSH = 0), then serves
 * `request()` calls over it.
 *
 * @example
 * const session = clientConnection(net.connect(8080, '127.0.0.1'));
 * session.request({ method: 'GET', scheme: 'http', authority: '127.0.0.1:8080', path: '/' })
 *   .subscribe((res) => console.log(res.status));
 */
export function clientConnection(socket: Duplex, options: SessionOptions = {}): ClientSession {
  const session = new H2Session(socket, 'client', options);
  const pending = new Map<number, Pending>();
  /** requestSent can fire inside conn.request(), before its id is known here. */
  const sentEarly = new Set<number>();

  const startBody = (id: number, p: Pending): void => {
    if (p.req.body !== undefined) session.sendBody(id, p.req.body, p.req.trailers);
    else if (p.req.trailers !== undefined) session.endBody(id, p.req.trailers);
  };

  /** The stream is over (ended, reset or failed): forget it, stop listening to its signal. */
  const settle = (p: Pending): void => {
    pending.delete(p.id);
    if (p.onAbort !== undefined) p.req.signal?.removeEventListener('abort', p.onAbort);
  };

  /** RST_STREAM CANCEL (RFC 9113 §8.1): we no longer want this stream; its body stops being sent. */
  const cancelStream = (p: Pending): void => {
    session.dropBody(p.id);
    session.conn.resetStream(p.id, 'CANCEL');
    session.scheduleFlush();
  };

  const fail = (p: Pending, err: unknown): void => {
    settle(p);
    if (!p.responded) p.subscriber.error(err);
    p.body?.fail(err);
    p.resolveTrailers?.([]);
  };

  const onEvent = (e: ConnectionEvent): void => {
    switch (e.kind) {
      case 'requestSent': {
        const p = pending.get(e.streamId);
        if (p === undefined) sentEarly.add(e.streamId);
        else startBody(e.streamId, p);
        break;
      }
      case 'requestRetried': {
        const p = pending.get(e.previousStreamId);
        if (p === undefined) break;
        pending.delete(e.previousStreamId);
        p.id = e.streamId;
        pending.set(e.streamId, p);
        break;
      }
      case 'responseReceived': {
        const p = pending.get(e.streamId);
        if (p === undefined || e.informational) break;
        p.responded = true;
        // A consumer that stops reading the body before its end does not want the rest.
        const body = new StreamBody(e.streamId, session.stage, () => {
          if (pending.get(p.id) !== p) return;
          settle(p);
          p.resolveTrailers?.([]);
          cancelStream(p);
        });
        p.body = body;
        const trailers = new Promise<FieldList>((r) => {
          p.resolveTrailers = r;
        });
        p.subscriber.next({ streamId: e.streamId, status: e.status, fields: e.fields, body, trailers });
        p.subscriber.complete();
        if (e.endStream) {
          settle(p);
          body.end();
          p.resolveTrailers?.([]);
        }
        break;
      }
      case 'dataReceived': {
        const p = pending.get(e.streamId);
        if (p?.body === undefined) {
          session.conn.consume(e.streamId, e.data.length);
          break;
        }
        if (e.data.length > 0) p.body.push(e.data);
        if (e.endStream) {
          settle(p);
          p.body.end();
          p.resolveTrailers?.([]);
        }
        break;
      }
      case 'trailersReceived': {
        const p = pending.get(e.streamId);
        if (p === undefined) break;
        settle(p);
        p.body?.end();
        p.resolveTrailers?.(e.fields);
        break;
      }
      case 'streamReset': {
        const p = pending.get(e.streamId);
        if (p === undefined) break;
        const err = Object.assign(
          e.error ??
            new H2ProtocolError(e.code, 'stream', `stream ${e.streamId} was reset (${String(e.code)})`, {
              streamId: e.streamId,
              initiator: e.by,
            }),
          { retryable: e.retryable },
        );
        fail(p, err);
        break;
      }
      default:
        break;
    }
  };

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });
  session.events.subscribe({
    next: onEvent,
    error: (err: unknown) => {
      for (const p of [...pending.values()]) fail(p, err);
      resolveClosed();
    },
    complete: () => {
      const err = Object.assign(new H2ProtocolError('CANCEL', 'connection', 'the connection closed'), {
        retryable: false,
      });
      for (const p of [...pending.values()]) fail(p, err);
      resolveClosed();
    },
  });
  session.start();

  return {
    closed,
    get accepting() {
      return session.conn.canRequest();
    },
    close: () => session.shutdown(),
    abort: (code, debug) => session.abort(code, debug),
    request: (req) =>
      new Observable<ClientResponse>((subscriber) => {
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
          return;
        }
        let id: number;
        try {
          id = session.conn.request(fields, { endStream });
        } catch (e) {
          subscriber.error(e);
          return;
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
        pending.set(id, p);
        if (sentEarly.delete(id)) startBody(id, p);
        session.scheduleFlush();
        // Fetch semantics: the signal aborts the request until its body is over, so it outlives
        // this Observable (which completes at the response headers). Fail first: the reset below
        // emits streamReset, whose generic error must not win.
        p.onAbort = () => {
          if (pending.get(p.id) !== p) return;
          fail(p, req.signal?.reason ?? new Error('aborted'));
          cancelStream(p);
        };
        req.signal?.addEventListener('abort', p.onAbort, { once: true });
        return () => {
          if (p.responded || pending.get(p.id) !== p) return; // the body goes on; so does the signal
          settle(p);
          cancelStream(p);
        };
      }),
  };
}
