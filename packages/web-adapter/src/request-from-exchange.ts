import type { ConsumingPuller, ReceivedBody, ServerExchange } from '@h2tubes/h2-flow';
import type { FieldList } from '@h2tubes/h2-frames';
import { ExchangeRequest, lazyRequestsWork } from './exchange-request.js';
import { fieldsToHeaders } from './field-conversion.js';
import { attachRequestContext, type RequestContext } from './request-context.js';
import type { OpenWebSockets } from './websocket/open-websockets.js';
import { attachExchangeIfConnect } from './websocket/transport-registry.js';

/**
 * A pull source over a stream's received body. Chunks are acknowledged (credit returned to the
 * peer's window, RFC 9113 §5.2.2) only when the reader takes them: with a highWaterMark of 0 the
 * ReadableStream calls `pull` only while a `read()` is pending, so a chunk enqueued in `pull` goes
 * straight to a reader. Chunks that arrived but were not read wait here un-acknowledged, so the
 * peer's stream window bounds this queue and an unread upload stalls only its own stream.
 */
class ReceivedBodySource implements UnderlyingDefaultSource<Uint8Array> {
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private failed = false;
  private failure: unknown = undefined;
  private puller: ConsumingPuller | undefined = undefined;
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined = undefined;
  /** A pull found nothing to deliver: the next chunk (or end) is enqueued as soon as it comes. */
  private wanted = false;

  constructor(private readonly body: ReceivedBody) {}

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.controller = controller;
  }

  /**
   * Returns nothing even when nothing was delivered: the chunk is enqueued when it arrives
   * (`settle`), and the stream calls `pull` again only after an enqueue or a new read() (WHATWG
   * Streams, ReadableStreamDefaultControllerCallPullIfNeeded). So no Promise and resolver are made
   * for each chunk a waiting reader gets.
   */
  pull(): undefined {
    if (this.puller === undefined) this.subscribe();
    this.wanted = !this.deliver();
    return undefined;
  }

  cancel(): void {
    this.puller?.cancel();
    this.queue.length = 0;
  }

  private subscribe(): void {
    // Taken eagerly into `queue`; credited only as the reader takes each chunk (`consumed`).
    const puller = this.body.pullConsuming({
      next: (chunk) => {
        this.queue.push(chunk);
        this.settle();
        puller.request();
      },
      error: (e: unknown) => {
        this.failed = true;
        this.failure = e;
        this.settle();
      },
      complete: () => {
        this.ended = true;
        this.settle();
      },
    });
    this.puller = puller;
    puller.request();
  }

  /** Answers a pull that found nothing, if any, now that something arrived. */
  private settle(): void {
    if (this.wanted && this.deliver()) this.wanted = false;
  }

  /** Hands one chunk (or the end) to the reader; false when there is nothing yet. */
  private deliver(): boolean {
    const controller = this.controller as ReadableStreamDefaultController<Uint8Array>;
    const chunk = this.queue.shift();
    if (chunk !== undefined) {
      controller.enqueue(chunk);
      // The reader has it now: only now is the credit returned.
      this.puller?.consumed(chunk.byteLength);
      return true;
    }
    if (this.failed) {
      controller.error(this.failure);
      return true;
    }
    if (this.ended) {
      controller.close();
      return true;
    }
    return false;
  }
}

/**
 * Builds a `ReadableStream` over a received body that returns flow-control credit only as the
 * reader consumes chunks (see `ReceivedBodySource`).
 *
 * @example
 * const stream = bodyStream(exchange.body);
 * for await (const chunk of stream) handle(chunk); // each read returns credit for that chunk
 */
export function bodyStream(body: ReceivedBody): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(new ReceivedBodySource(body), { highWaterMark: 0 });
}

/**
 * Authorities already seen to form a valid URL, per scheme. For the special schemes http and
 * https the WHATWG URL parser fails only in the host or the port: the path, query and fragment
 * states never fail. So once `scheme://authority/path` parsed, any other path starting with '/'
 * under the same scheme and authority does too, and `URL.canParse` (1.2 % of a small-GET
 * server's time, for a result that is nearly always the same) runs once per authority.
 */
const validHttpAuthorities = new Set<string>();
const validHttpsAuthorities = new Set<string>();
/** Peers choose authorities: the sets are emptied when full rather than grow. */
const MAX_REMEMBERED_AUTHORITIES = 64;
/**
 * Only authorities that end where the URL parser's authority state ends are remembered: none
 * empty, and none with a delimiter ('/', '\\', '?', '#'), '@', or whitespace the parser
 * strips, any of which would make the path's slashes part of the authority or change its end.
 */
const PLAIN_AUTHORITY = /^[A-Za-z0-9._~%:[\]-]+$/;

/** Whether the request's URL parses (WHATWG URL), remembering valid http(s) authorities. */
function formsValidUrl(exchange: ServerExchange, request: ExchangeRequest): boolean {
  const authority = exchange.authority;
  const scheme = exchange.scheme;
  const known =
    scheme === 'https' ? validHttpsAuthorities : scheme === 'http' ? validHttpAuthorities : undefined;
  if (authority !== undefined && known?.has(authority)) return true;
  if (!URL.canParse(request.url)) return false;
  if (authority !== undefined && known !== undefined && PLAIN_AUTHORITY.test(authority)) {
    if (known.size >= MAX_REMEMBERED_AUTHORITIES) known.clear();
    known.add(authority);
  }
  return true;
}

const bodyOf = (exchange: ServerExchange): ReadableStream<Uint8Array> => bodyStream(exchange.body);

/** What the adapter knows about an HTTP/2 request beyond Fetch; trailers converted on first use. */
class ExchangeContext implements RequestContext {
  private trailersValue: Promise<Headers> | undefined;
  constructor(private readonly exchange: ServerExchange) {}
  sendInformational(status: number, fields: FieldList): void {
    this.exchange.sendInformational(status, fields);
  }
  get trailers(): Promise<Headers> {
    this.trailersValue ??= this.exchange.trailers.then(fieldsToHeaders, () => new Headers());
    return this.trailersValue;
  }
}

/**
 * Turns an HTTP/2 exchange into a Fetch `Request` (an `ExchangeRequest`, built lazily): the URL
 * from `:scheme`, `:authority` (or `host`, RFC 9113 §8.3.1) and `:path`; the regular fields as
 * headers; `signal` aborting on RST_STREAM or connection loss; and for methods that carry one, a
 * pulled body stream. The exchange's trailers and its 1xx sender are registered for
 * `requestTrailers` and `earlyHints`; an extended CONNECT, for `upgradeWebSocket`, with the server's
 * `openSockets` if given. Throws a TypeError when the target does not form a valid URL.
 *
 * @example
 * const request = requestFromExchange(exchange);
 * const response = await app.fetch(request);
 */
export function requestFromExchange(exchange: ServerExchange, openSockets?: OpenWebSockets): Request {
  const lazy = new ExchangeRequest(exchange, bodyOf);
  if (!formsValidUrl(exchange, lazy))
    throw new TypeError(`the request target ${lazy.url} is not a valid URL`);
  const request = lazyRequestsWork ? (lazy as unknown as Request) : lazy.materialize();
  attachRequestContext(request, new ExchangeContext(exchange));
  attachExchangeIfConnect(request, exchange, openSockets); // extended CONNECT (RFC 8441): for upgradeWebSocket
  return request;
}
