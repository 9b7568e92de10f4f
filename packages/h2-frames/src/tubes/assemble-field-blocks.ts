import { tube } from '@h2tubes/tubes';
import type { OperatorFunction } from 'rxjs';
import { FieldBlockAssembler, type FieldBlockAssemblerOptions } from '../core/field-block-assembler.js';
import type { AssembledFrame, Frame } from '../core/frame-types.js';

/**
 * HEADERS/PUSH_PROMISE + CONTINUATION → one `EncodedFieldBlock` (RFC 9113 §4.3); other frames pass.
 *
 * @example
 * frames$.pipe(assembleFieldBlocks({ maxBlockSize: 32_768 }));
 */
export function assembleFieldBlocks(
  options: FieldBlockAssemblerOptions = {},
): OperatorFunction<Frame, AssembledFrame> {
  const assembler = new FieldBlockAssembler(options);
  return tube<Frame, AssembledFrame>((f, emit) => assembler.push(f, emit));
}
