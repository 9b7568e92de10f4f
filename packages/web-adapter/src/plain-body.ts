import type { BodySource } from '@h2tubes/h2-flow';
import type { HeaderField } from '@h2tubes/h2-frames';

/** A Fetch body the adapter can send as it is, and the type Fetch would label it with. */
export interface PlainBody {
  readonly source: BodySource | undefined;
  /** Fetch "extract a body": `text/plain;charset=UTF-8` for a string, none for bytes and streams. */
  readonly contentType: string | undefined;
}

/**
 * Reads a `BodyInit` without building a Fetch object: none, a string, bytes (an ArrayBuffer or any
 * view, as a Uint8Array over the same memory, not copied) or a ReadableStream. Undefined for the
 * bodies whose encoding Fetch decides (Blob, FormData, URLSearchParams, ...): make a real Request or
 * Response for those.
 *
 * @example
 * plainBody('hi'); // { source: 'hi', contentType: 'text/plain;charset=UTF-8' }
 */
export function plainBody(body: BodyInit | null | undefined): PlainBody | undefined {
  if (body == null) return { source: undefined, contentType: undefined };
  if (typeof body === 'string') return { source: body, contentType: 'text/plain;charset=UTF-8' };
  if (body instanceof Uint8Array || body instanceof ReadableStream)
    return { source: body as Uint8Array | ReadableStream<Uint8Array>, contentType: undefined };
  if (body instanceof ArrayBuffer) return { source: new Uint8Array(body), contentType: undefined };
  if (ArrayBuffer.isView(body))
    return { source: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), contentType: undefined };
  return undefined;
}

/** `fields` with `content-type: type` added when they have none (and a type is given). */
export function withDefaultContentType(fields: HeaderField[], type: string | undefined): HeaderField[] {
  if (type !== undefined && !fields.some((f) => f.name === 'content-type'))
    fields.push({ name: 'content-type', value: type });
  return fields;
}
