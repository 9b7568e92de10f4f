import type { ErrorCode, FieldList } from '@h2tubes/h2-frames';
import type { Bounded, DemandDriven, Pullable, Puller, PullSink } from '@h2tubes/tubes';
import type { Observable } from 'rxjs';

/**
 * What the stream demultiplexer hands to applications: one object per HTTP/2 stream, with the
 * headers already validated, a body that is pulled (flow-control credit goes back only as it is
 * consumed, RFC 9113 §5.2) and a way to answer. The shapes are plain so that adapters (Fetch,
 * gRPC, an Rx app) can wrap them without knowing the protocol.
 */

/**
 * A body the application sends, pulled one chunk at a time only as far as the stream and
 * connection windows and the socket allow (DESIGN.md rule 3, `@h2tubes/tubes`' `Puller`):
 * - a string or bytes: sent as they are;
 * - a `ReadableStream` or `AsyncIterable`: read one chunk per pull (its own backpressure);
 * - `demandDriven((demand) => observable)`: an Observable that emits only within the credit it is
 *   granted, one chunk per pull, so it is pulled exactly (nothing buffered);
 * - a `Pullable` (e.g. another stream's `ReceivedBody`: a proxy or an echo), pulled through its
 *   own puller, so its credit goes back only as this stream's windows take it;
 * - `bounded(observable, policy)`: a hot Observable with the overflow policy you choose for a
 *   slow reader (`error`, `pause` its origin, or `dropOldest` with a lag notice);
 * - a plain Observable: treated as `bounded(observable, DEFAULT_OBSERVABLE_BODY_POLICY)`, i.e.
 *   it fails the stream (RST_STREAM INTERNAL_ERROR) once it runs more than 1 MiB ahead of the
 *   windows; `ConnectionStageOptions.observableBodyPolicy` changes that default.
 */
export type BodySource =
  | string
  | Uint8Array
  | Observable<Uint8Array>
  | Pullable<Uint8Array>
  | DemandDriven<Uint8Array>
  | Bounded<Uint8Array>
  | AsyncIterable<Uint8Array>
  | ReadableStream<Uint8Array>;

/**
 * A received body: a pull source in `@h2tubes/tubes`' demand protocol (a `Pullable`), pulled
 * once. Each `request()` of its puller delivers the next chunk. Until a chunk is pulled it is held
 * un-credited, so the peer's window for this stream bounds what is held for it (RFC 9113 §5.2).
 * Its octets go back to the peer as flow-control credit (WINDOW_UPDATE, §6.9):
 * - `pull(sink)`: when the sink has taken the chunk (its `next` returned). `toReadableStream(body)`
 *   and `pullFrom(body, sink)` use this: a Fetch body reader returns credit as it reads.
 * - `pullConsuming(sink)`: only as the consumer reports `consumed(octets)`, for one that keeps
 *   what it was given until it has really used it (a WebSocket's undelivered messages).
 * - `chunks`: the same pull as an Observable that asks for the next chunk as soon as `next`
 *   returns (a synchronous consumer).
 * Cancelling (or unsubscribing) credits everything held and still to come, unread.
 */
export interface ReceivedBody extends Pullable<Uint8Array> {
  pull(sink: PullSink<Uint8Array>): Puller;
  pullConsuming(sink: PullSink<Uint8Array>): ConsumingPuller;
  readonly chunks: Observable<Uint8Array>;
}

/** A `Puller` whose chunks are credited back only as they are reported consumed. */
export interface ConsumingPuller extends Puller {
  /** The consumer has used `octets` of what it was given: the peer may send as much again. */
  consumed(octets: number): void;
}

/** A field section, as `@h2tubes/h2-frames` defines it (one name across the packages). */
export type { FieldList };

/** One request received by a server. */
export interface ServerExchange {
  readonly streamId: number;
  /** The whole field list as received (pseudo-headers included). */
  readonly fields: FieldList;
  readonly method: string;
  readonly scheme: string;
  readonly authority: string | undefined;
  readonly path: string;
  /** RFC 8441 extended CONNECT `:protocol`, if any. */
  readonly protocol: string | undefined;
  /**
   * The request body. Subscribe before the response ends if you want it: once the response is
   * complete, a body nobody reads (or one left mid-way) is discarded with its credit returned, and
   * the stream is reset with NO_ERROR if the client keeps sending (RFC 9113 §8.1, see
   * `Connection.discardRequestBody`); a late subscriber gets an error.
   */
  readonly body: ReceivedBody;
  /** Request trailers; resolves to [] when the body ended without any. */
  readonly trailers: Promise<FieldList>;
  /** Aborted when the peer resets the stream or the connection goes away. */
  readonly signal: AbortSignal;
  /** 1xx (e.g. 103 Early Hints); may be called several times before `respond`. */
  sendInformational(status: number, fields?: FieldList): void;
  /**
   * The final response. `fields` are regular fields only (no pseudo-headers). `trailers`, when
   * given, is awaited after the body and sent as a trailing HEADERS with END_STREAM.
   */
  respond(
    status: number,
    fields: FieldList,
    body?: BodySource,
    trailers?: Promise<FieldList> | FieldList,
  ): void;
  /** RST_STREAM with the given code (default CANCEL). */
  reset(code?: ErrorCode): void;
  /**
   * This request's body may be idle or slow as long as it likes (a streaming upload, a long
   * poll): the connection's `requestBodyTimeoutMs` and `minRequestBodyRate` stop applying to it.
   * gRPC requests (content-type application/grpc...) and CONNECT streams are exempt already.
   */
  exemptBodyTimeouts(): void;
}

/** One response received by a client. */
export interface ClientResponse {
  readonly streamId: number;
  readonly status: number;
  readonly fields: FieldList;
  readonly body: ReceivedBody;
  readonly trailers: Promise<FieldList>;
}

/** What a client sends. */
export interface ClientRequest {
  readonly method: string;
  readonly scheme: string;
  readonly authority: string;
  readonly path: string;
  readonly fields?: FieldList;
  readonly body?: BodySource;
  readonly trailers?: Promise<FieldList> | FieldList;
  readonly signal?: AbortSignal;
  /** RFC 8441 extended CONNECT. */
  readonly protocol?: string;
}
