import { FrameTooLargeError, FramingError, splitByHeaderLength } from '@h2tubes/tubes';
import { from, lastValueFrom, map, take, toArray } from 'rxjs';

/**
 * gRPC over HTTP/2 message framing ("Length-Prefixed-Message" in the gRPC HTTP/2 protocol spec):
 * 1 octet compressed flag, 4 octets big-endian length, then the message.
 */

/** Octets before each message. */
export const GRPC_PREFIX_LENGTH = 5;

/**
 * Frames one uncompressed message.
 *
 * @example
 * frameGrpcMessage(new Uint8Array([1, 2])); // [0, 0, 0, 0, 2, 1, 2]
 */
export function frameGrpcMessage(message: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(GRPC_PREFIX_LENGTH + message.length);
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, GRPC_PREFIX_LENGTH);
  return out;
}

/** gRPC's default largest received message, 4 MiB. */
export const DEFAULT_MAX_MESSAGE_LENGTH = 4 * 1024 * 1024;

/**
 * Collects the messages of a request body (at most `limit` of them, at most `maxLength` octets
 * each) through the generic `splitByHeaderLength` tube of @h2tubes/tubes: the 5-octet prefix is a
 * fixed header carrying the length. The body is read chunk by chunk, so it is only taken from the
 * stream's window as fast as it is parsed.
 *
 * @example
 * const [first] = await readGrpcMessages(request.body, 1);
 */
export async function readGrpcMessages(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  maxLength = DEFAULT_MAX_MESSAGE_LENGTH,
): Promise<Uint8Array[]> {
  if (body === null) return [];
  const messages$ = from(body as unknown as AsyncIterable<Uint8Array>).pipe(
    splitByHeaderLength({
      headerLength: GRPC_PREFIX_LENGTH,
      bodyLength: (buf, o) => {
        if (buf[o] !== 0) throw new GrpcError(12, 'compressed messages are not supported');
        return new DataView(buf.buffer, buf.byteOffset + o + 1, 4).getUint32(0);
      },
      maxBodyLength: maxLength,
    }),
    map((frame) => frame.subarray(GRPC_PREFIX_LENGTH)),
    take(limit),
    toArray(),
  );
  try {
    return await lastValueFrom(messages$);
  } catch (e) {
    if (e instanceof FrameTooLargeError)
      throw new GrpcError(8, `message of ${e.length} octets is over ${maxLength}`);
    if (e instanceof FramingError) throw new GrpcError(13, 'the request ended inside a message');
    throw e;
  }
}

/** A gRPC status to answer with (codes from grpc/doc/statuscodes.md). */
export class GrpcError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
