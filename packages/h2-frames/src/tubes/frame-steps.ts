import { parseFrame } from '../core/frame-parser.js';
import type {
  AssembledFrame,
  DecodedFrame,
  EncodedFieldBlock,
  FieldBlock,
  Frame,
} from '../core/frame-types.js';
import { H2ProtocolError } from '../core/h2-protocol-error.js';
import type { HpackDecoder } from '../core/hpack/hpack-decoder.js';
import type { HpackEncoder } from '../core/hpack/hpack-encoder.js';

/**
 * The steps of the frame tubes, shared by the one-operator-per-stage chains (`parseFrames`,
 * `decodeHpack`, `encodeHpack`) and the fused operators (`decodeFrames`, `serializeFrames` with an
 * encoder), so both behave alike.
 */

/** One whole frame's octets → a typed `Frame`; a structural stream error goes to `onStreamError` if given. */
export function parseFrameStep(
  onStreamError: ((e: H2ProtocolError) => void) | undefined,
): (bytes: Uint8Array, emit: (f: Frame) => void) => void {
  return (bytes, emit) => {
    const frame = parseFrameOrReport(bytes, onStreamError);
    if (frame !== undefined) emit(frame);
  };
}

/** `parseFrame`, but a structural stream error goes to `onStreamError` if given (`undefined` then). */
export function parseFrameOrReport(
  bytes: Uint8Array,
  onStreamError: ((e: H2ProtocolError) => void) | undefined,
): Frame | undefined {
  try {
    return parseFrame(bytes);
  } catch (e) {
    if (onStreamError !== undefined && H2ProtocolError.is(e) && e.scope === 'stream') {
      onStreamError(e);
      return undefined;
    }
    throw e;
  }
}

/** An `EncodedFieldBlock` decoded through `decoder` (RFC 9113 §4.3: every block, in order); other frames pass. */
export function decodeHpackStep(
  decoder: HpackDecoder,
): (f: AssembledFrame, emit: (out: DecodedFrame) => void) => void {
  return (f, emit) => emit(decodeFieldBlock(decoder, f));
}

/**
 * An `EncodedFieldBlock` decoded through `decoder`; any other frame as it is. The step of
 * `decodeHpack`, for a pipeline driven by hand (the sans-I/O core without RxJS).
 *
 * @example
 * const assembler = new FieldBlockAssembler();
 * const decoder = new HpackDecoder({ maxHeaderListSize: 65_536 });
 * const assembled = assembler.assemble(parseFrame(bytes));
 * if (assembled !== undefined) connection.receive(decodeFieldBlock(decoder, assembled), now);
 */
export function decodeFieldBlock(decoder: HpackDecoder, f: AssembledFrame): DecodedFrame {
  if (f.type !== 'HEADER_BLOCK') return f;
  const { fields, oversized } = decoder.decode(f.block);
  return {
    type: 'FIELD_BLOCK',
    kind: f.kind,
    streamId: f.streamId,
    endStream: f.endStream,
    priority: f.priority,
    promisedStreamId: f.promisedStreamId,
    fields,
    oversized,
  };
}

/** A `FieldBlock` HPACK-encoded through `encoder` (RFC 9113 §4.3: in the order they are sent). */
export function encodeFieldBlock(encoder: HpackEncoder, f: FieldBlock): EncodedFieldBlock {
  return {
    type: 'HEADER_BLOCK',
    kind: f.kind,
    streamId: f.streamId,
    endStream: f.endStream,
    priority: f.priority,
    promisedStreamId: f.promisedStreamId,
    block: encoder.encode(f.fields),
  };
}
