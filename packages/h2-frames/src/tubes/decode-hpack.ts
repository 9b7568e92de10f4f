import { tube } from '@h2tubes/tubes';
import type { OperatorFunction } from 'rxjs';
import type { AssembledFrame, DecodedFrame } from '../core/frame-types.js';
import { HpackDecoder } from '../core/hpack/hpack-decoder.js';
import { decodeHpackStep } from './frame-steps.js';

/**
 * `EncodedFieldBlock` → `FieldBlock` through one HPACK decoding context; other frames pass unchanged.
 * Every block is decoded, including those of streams already reset: the context is shared by
 * the connection (RFC 9113 §4.3). Pass the decoder you keep to apply SETTINGS changes.
 *
 * @example
 * const decoder = new HpackDecoder({ maxHeaderListSize: 65_536 });
 * blocks$.pipe(decodeHpack(decoder));
 */
export function decodeHpack(
  decoder: HpackDecoder = new HpackDecoder(),
): OperatorFunction<AssembledFrame, DecodedFrame> {
  return tube<AssembledFrame, DecodedFrame>(decodeHpackStep(decoder));
}
