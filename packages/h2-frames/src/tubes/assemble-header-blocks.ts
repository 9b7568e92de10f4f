import { tube } from '@h2tubes/tubes';
import type { OperatorFunction } from 'rxjs';
import type { AssembledFrame, Frame } from '../core/frame-types.js';
import { HeaderBlockAssembler, type HeaderBlockAssemblerOptions } from '../core/header-block-assembler.js';

/**
 * HEADERS/PUSH_PROMISE + CONTINUATION → one `HeaderBlock` (RFC 9113 §4.3); other frames pass.
 *
 * @example
 * frames$.pipe(assembleHeaderBlocks({ maxBlockSize: 32_768 }));
 */
export function assembleHeaderBlocks(
  options: HeaderBlockAssemblerOptions = {},
): OperatorFunction<Frame, AssembledFrame> {
  const assembler = new HeaderBlockAssembler(options);
  return tube<Frame, AssembledFrame>((f, emit) => assembler.push(f, emit));
}
