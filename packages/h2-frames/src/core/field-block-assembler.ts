import type { AssembledFrame, Frame } from './frame-types.js';
import { H2ProtocolError } from './h2-protocol-error.js';

/** Options of `FieldBlockAssembler` (DESIGN.md limits; the 2024 CONTINUATION-flood CVEs). */
export interface FieldBlockAssemblerOptions {
  /** Largest encoded field block (HEADERS + CONTINUATION payloads). Default 64 KiB. */
  readonly maxBlockSize?: number;
  /** Most CONTINUATION frames after one HEADERS/PUSH_PROMISE. Default 8. */
  readonly maxContinuations?: number;
}

interface Pending {
  readonly first: Frame & { type: 'HEADERS' | 'PUSH_PROMISE' };
  readonly parts: Uint8Array[];
  size: number;
  continuations: number;
}

/**
 * Joins HEADERS/PUSH_PROMISE and their CONTINUATION frames into one `EncodedFieldBlock` (RFC 9113 §4.3,
 * §6.10). Between a block's first frame and its END_HEADERS no other frame is allowed: any other
 * frame, or a CONTINUATION of another stream, is a connection PROTOCOL_ERROR. A block that grows
 * past the limits is refused with ENHANCE_YOUR_CALM and nothing more of it is buffered.
 *
 * @example
 * const a = new FieldBlockAssembler();
 * for (const f of frames) a.push(f, (out) => handle(out));
 * for (const f of frames) { const out = a.assemble(f); if (out !== undefined) handle(out); }
 */
export class FieldBlockAssembler {
  private readonly maxBlockSize: number;
  private readonly maxContinuations: number;
  private pending: Pending | undefined;

  constructor(options: FieldBlockAssemblerOptions = {}) {
    this.maxBlockSize = options.maxBlockSize ?? 64 * 1024;
    this.maxContinuations = options.maxContinuations ?? 8;
  }

  /** Emits what `assemble` returns, if anything. */
  push(f: Frame, emit: (f: AssembledFrame) => void): void {
    const out = this.assemble(f);
    if (out !== undefined) emit(out);
  }

  /** The frame, or the block it completes; `undefined` while a block waits for its END_HEADERS. */
  assemble(f: Frame): AssembledFrame | undefined {
    const pending = this.pending;
    if (pending !== undefined) {
      if (f.type !== 'CONTINUATION' || f.streamId !== pending.first.streamId) {
        throw new H2ProtocolError(
          'PROTOCOL_ERROR',
          'connection',
          `${f.type} on stream ${f.streamId} inside the field block of stream ${pending.first.streamId} (RFC 9113 §6.10)`,
        );
      }
      pending.continuations++;
      pending.size += f.fragment.length;
      this.checkLimits(pending);
      pending.parts.push(f.fragment);
      if (!f.endHeaders) return undefined;
      this.pending = undefined;
      return toBlock(pending.first, join(pending.parts, pending.size));
    }
    switch (f.type) {
      case 'HEADERS':
      case 'PUSH_PROMISE':
        if (f.endHeaders) return toBlock(f, f.fragment);
        this.pending = { first: f, parts: [f.fragment], size: f.fragment.length, continuations: 0 };
        this.checkLimits(this.pending);
        return undefined;
      case 'CONTINUATION':
        throw new H2ProtocolError(
          'PROTOCOL_ERROR',
          'connection',
          `CONTINUATION on stream ${f.streamId} without a field block to continue (RFC 9113 §6.10)`,
        );
      default:
        return f;
    }
  }

  /** True while a field block waits for its END_HEADERS. */
  get inBlock(): boolean {
    return this.pending !== undefined;
  }

  private checkLimits(p: Pending): void {
    if (p.size > this.maxBlockSize || p.continuations > this.maxContinuations) {
      this.pending = undefined;
      throw new H2ProtocolError(
        'ENHANCE_YOUR_CALM',
        'connection',
        `field block of stream ${p.first.streamId} over ${p.size > this.maxBlockSize ? `${this.maxBlockSize} octets` : `${this.maxContinuations} CONTINUATION frames`}`,
        { streamId: p.first.streamId },
      );
    }
  }
}

function join(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

function toBlock(first: Frame & { type: 'HEADERS' | 'PUSH_PROMISE' }, block: Uint8Array): AssembledFrame {
  return first.type === 'HEADERS'
    ? {
        type: 'HEADER_BLOCK',
        kind: 'HEADERS',
        streamId: first.streamId,
        endStream: first.endStream,
        priority: first.priority,
        promisedStreamId: 0,
        block,
      }
    : {
        type: 'HEADER_BLOCK',
        kind: 'PUSH_PROMISE',
        streamId: first.streamId,
        endStream: false,
        priority: undefined,
        promisedStreamId: first.promisedStreamId,
        block,
      };
}
