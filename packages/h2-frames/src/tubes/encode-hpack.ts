import { tube } from '@h2tubes/tubes';
import type { OperatorFunction } from 'rxjs';
import type { AssembledFrame, DecodedFrame } from '../core/frame-types.js';
import { HpackEncoder } from '../core/hpack/hpack-encoder.js';
import { encodeFieldBlock } from './frame-steps.js';

/**
 * `FieldBlock` → `EncodedFieldBlock` through one HPACK encoding context; other frames pass. Blocks
 * must reach the wire in the order they are encoded (RFC 9113 §4.3), which a synchronous
 * pipeline guarantees.
 *
 * @example
 * const encoder = new HpackEncoder();
 * out$.pipe(encodeHpack(encoder), serializeFrames(serializer));
 */
export function encodeHpack(
  encoder: HpackEncoder = new HpackEncoder(),
): OperatorFunction<DecodedFrame, AssembledFrame> {
  return tube<DecodedFrame, AssembledFrame>((f, emit) =>
    emit(f.type === 'FIELD_BLOCK' ? encodeFieldBlock(encoder, f) : f),
  );
}
