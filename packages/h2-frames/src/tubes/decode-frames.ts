import { tube } from '@h2tubes/tubes';
import type { OperatorFunction } from 'rxjs';
import { FieldBlockAssembler, type FieldBlockAssemblerOptions } from '../core/field-block-assembler.js';
import { FrameSplitter } from '../core/frame-splitter.js';
import type { AssembledFrame, DecodedFrame, Frame } from '../core/frame-types.js';
import type { H2ProtocolError } from '../core/h2-protocol-error.js';
import { HpackDecoder } from '../core/hpack/hpack-decoder.js';
import { decodeHpackStep, parseFrameStep } from './frame-steps.js';

/** The state `decodeFrames` runs on; keep the splitter and the decoder to apply SETTINGS changes. */
export interface DecodeFramesOptions {
  /** Default: a new `FrameSplitter` that expects no preface. */
  readonly splitter?: FrameSplitter;
  /** Default: a new `HpackDecoder` with its defaults. */
  readonly decoder?: HpackDecoder;
  /** Bounds of an assembled field block. */
  readonly fieldBlock?: FieldBlockAssemblerOptions;
  /** Structural stream errors (RFC 9113 §6.3), as `parseFrames` takes them; default: fail the flow. */
  readonly onStreamError?: (e: H2ProtocolError) => void;
}

/**
 * Socket bytes → decoded frames in one operator: what `splitFrames → parseFrames →
 * assembleFieldBlocks → decodeHpack` do, with the same steps and errors, but as one link
 * calling the next step directly rather than four subscribed operators. Use the separate
 * operators to insert your own between them; use this when nothing goes between (an idle
 * connection keeps one subscriber instead of four). One subscription: the state is its own.
 *
 * @example
 * const splitter = new FrameSplitter({ expectPreface: true });
 * socketFount(socket).pipe(decodeFrames({ splitter, decoder }));
 */
export function decodeFrames(options: DecodeFramesOptions = {}): OperatorFunction<Uint8Array, DecodedFrame> {
  const splitter = options.splitter ?? new FrameSplitter();
  const parse = parseFrameStep(options.onStreamError);
  const assembler = new FieldBlockAssembler(options.fieldBlock);
  const decode = decodeHpackStep(options.decoder ?? new HpackDecoder());
  // The step of the moment's downstream `emit`, reached by the nested steps without a closure per chunk;
  // set before each `splitter.push`, the only caller of the steps that read it.
  let out: (f: DecodedFrame) => void;
  const onAssembled = (f: AssembledFrame): void => decode(f, out);
  const onParsed = (f: Frame): void => assembler.push(f, onAssembled);
  const onFrame = (bytes: Uint8Array): void => parse(bytes, onParsed);
  return tube<Uint8Array, DecodedFrame>(
    (chunk, emit) => {
      out = emit;
      splitter.push(chunk, onFrame);
    },
    () => splitter.end(),
  );
}
