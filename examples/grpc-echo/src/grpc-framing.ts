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
 * each). The body is read chunk by chunk, so it is only taken from the stream's window as fast as
 * it is parsed.
 *
 * @example
 * const [first] = await readGrpcMessages(request.body, 1);
 */
export async function readGrpcMessages(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  maxLength = DEFAULT_MAX_MESSAGE_LENGTH,
): Promise<Uint8Array[]> {
  const messages: Uint8Array[] = [];
  if (body === null) return messages;
  let pending: Uint8Array = new Uint8Array(0);
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    pending = pending.length === 0 ? chunk : concat(pending, chunk);
    while (pending.length >= GRPC_PREFIX_LENGTH) {
      const view = new DataView(pending.buffer, pending.byteOffset, pending.byteLength);
      if (view.getUint8(0) !== 0) throw new GrpcError(12, 'compressed messages are not supported');
      const length = view.getUint32(1);
      if (length > maxLength) throw new GrpcError(8, `message of ${length} octets is over ${maxLength}`);
      if (pending.length < GRPC_PREFIX_LENGTH + length) break;
      messages.push(pending.subarray(GRPC_PREFIX_LENGTH, GRPC_PREFIX_LENGTH + length));
      pending = pending.subarray(GRPC_PREFIX_LENGTH + length);
      if (messages.length === limit) return messages;
    }
  }
  if (pending.length > 0) throw new GrpcError(13, 'the request ended inside a message');
  return messages;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
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
