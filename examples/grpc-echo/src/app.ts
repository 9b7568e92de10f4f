/**
 * A gRPC echo service served through `serve()`: a unary `Echo` and a server-streaming `Repeat`.
 *
 *   service Echo {
 *     rpc Echo (EchoMessage) returns (EchoMessage);
 *     rpc Repeat (EchoMessage) returns (stream EchoMessage);   // `x-repeat-count` metadata, default 3
 *   }
 *
 * gRPC over HTTP/2: POST to /<package>.<Service>/<Method>, content-type application/grpc,
 * length-prefixed messages both ways, and the outcome in a `grpc-status` trailer.
 */
import { withTrailers } from '@h2tubes/web-adapter';
import { decodeEchoMessage, encodeEchoMessage } from './echo-message.js';
import { frameGrpcMessage, GrpcError, readGrpcMessages } from './grpc-framing.js';

/** The service's path prefix. */
export const SERVICE = '/h2tubes.echo.Echo/';

const GRPC_HEADERS = { 'content-type': 'application/grpc+proto' };
const MAX_REPEAT = 1000;

/**
 * `grpc-message` is percent-encoded (gRPC HTTP/2 protocol spec, "Responses"): only octets outside
 * 0x20–0x7E and `%` itself. `encodeURIComponent` would also encode `/`, `?`, ... which clients
 * such as grpc-js show undecoded.
 */
function percentEncodeGrpcMessage(message: string): string {
  let out = '';
  for (const octet of new TextEncoder().encode(message)) {
    out +=
      octet < 0x20 || octet > 0x7e || octet === 0x25
        ? `%${octet.toString(16).toUpperCase().padStart(2, '0')}`
        : String.fromCharCode(octet);
  }
  return out;
}

/** A trailers-only response (gRPC spec): the status travels in the only HEADERS frame. */
function grpcFailure(status: number, message: string): Response {
  return new Response(null, {
    headers: {
      ...GRPC_HEADERS,
      'grpc-status': String(status),
      'grpc-message': percentEncodeGrpcMessage(message),
    },
  });
}

async function oneRequestMessage(request: Request): Promise<string> {
  const [message] = await readGrpcMessages(request.body, 1);
  if (message === undefined) throw new GrpcError(13, 'a unary request needs one message');
  try {
    return decodeEchoMessage(message);
  } catch (e) {
    throw new GrpcError(3, `bad EchoMessage: ${(e as Error).message}`);
  }
}

/** Echoes `text`; the trailers carry the status and, as trailing metadata, the echoed length. */
function echo(text: string): Response {
  return withTrailers(new Response(frameGrpcMessage(encodeEchoMessage(text)), { headers: GRPC_HEADERS }), {
    'grpc-status': '0',
    'x-echo-length': String(text.length),
  });
}

/**
 * Streams `count` messages. Each is made when the transport pulls (the windows have room); the
 * `grpc-status` trailer goes out after the last one.
 */
function repeat(text: string, count: number, signal: AbortSignal): Response {
  let i = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (i === count || signal.aborted) return controller.close();
        controller.enqueue(frameGrpcMessage(encodeEchoMessage(`${i++}: ${text}`)));
      },
    },
    { highWaterMark: 0 },
  );
  return withTrailers(new Response(body, { headers: GRPC_HEADERS }), { 'grpc-status': '0' });
}

/**
 * Builds the echo service's Fetch handler.
 *
 * @example
 * await serve(createApp(), { port: 50051 });
 */
export function createApp(): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const type = request.headers.get('content-type') ?? '';
    if (request.method !== 'POST' || !type.startsWith('application/grpc')) {
      // gRPC spec: a non-gRPC content type is answered at the HTTP level.
      return new Response('gRPC only\n', { status: 415, headers: { 'content-type': 'text/plain' } });
    }
    try {
      switch (url.pathname) {
        case `${SERVICE}Echo`:
          return echo(await oneRequestMessage(request));
        case `${SERVICE}Repeat`: {
          const text = await oneRequestMessage(request);
          const n = Number.parseInt(request.headers.get('x-repeat-count') ?? '3', 10);
          if (!(n >= 0 && n <= MAX_REPEAT)) throw new GrpcError(3, `x-repeat-count must be 0..${MAX_REPEAT}`);
          return repeat(text, n, request.signal);
        }
        default:
          return grpcFailure(12, `unknown method ${url.pathname}`);
      }
    } catch (e) {
      if (e instanceof GrpcError) return grpcFailure(e.status, e.message);
      throw e;
    }
  };
}
