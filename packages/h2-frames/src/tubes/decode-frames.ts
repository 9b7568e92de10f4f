import { Link, linkOperator } from '@h2tubes/tubes';
import type { OperatorFunction, Subscriber } from 'rxjs';
import { FieldBlockAssembler, type FieldBlockAssemblerOptions } from '../core/field-block-assembler.js';
import { FrameSplitter } from '../core/frame-splitter.js';
import type { DecodedFrame } from '../core/frame-types.js';
import type { H2ProtocolError } from '../core/h2-protocol-error.js';
import { HpackDecoder } from '../core/hpack/hpack-decoder.js';
import { decodeFieldBlock, parseFrameOrReport } from './frame-steps.js';

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
  const decoder = options.decoder ?? new HpackDecoder();
  const { fieldBlock, onStreamError } = options;
  return linkOperator(
    (out: Subscriber<DecodedFrame>) => new DecodeLink(out, splitter, decoder, fieldBlock, onStreamError),
  );
}

/**
 * The subscription of `decodeFrames`: the four steps as its methods, each calling the next, the
 * splitter's output arriving through a shared method (`thisArg`), so an idle connection keeps one
 * link with its state in fields, not a closure per step with their contexts.
 */
class DecodeLink extends Link<Uint8Array, DecodedFrame> {
  private readonly assembler: FieldBlockAssembler;

  constructor(
    out: Subscriber<DecodedFrame>,
    private readonly splitter: FrameSplitter,
    private readonly decoder: HpackDecoder,
    fieldBlock: FieldBlockAssemblerOptions | undefined,
    private readonly onStreamError: ((e: H2ProtocolError) => void) | undefined,
  ) {
    super(out);
    this.assembler = new FieldBlockAssembler(fieldBlock);
  }

  protected override _next(chunk: Uint8Array): void {
    try {
      this.splitter.push(chunk, this.frame, this);
    } catch (e) {
      this.error(e);
    }
  }

  protected override _complete(): void {
    try {
      this.splitter.end();
    } catch (e) {
      super._error(e);
      return;
    }
    super._complete();
  }

  /** One whole frame's octets, through the parser, the field-block assembler and HPACK. */
  private frame(bytes: Uint8Array): void {
    const frame = parseFrameOrReport(bytes, this.onStreamError);
    if (frame === undefined) return;
    const assembled = this.assembler.assemble(frame);
    if (assembled === undefined) return;
    const decoded = decodeFieldBlock(this.decoder, assembled);
    // Frames after the link is closed (the downstream left mid-chunk) are dropped, as `tube` does.
    if (!this.closed) this.out.next(decoded);
  }
}
