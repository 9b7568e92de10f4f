import { Link, linkOperator, onNextMicrotaskOf } from '@h2tubes/tubes';
import type { OperatorFunction, Subscriber } from 'rxjs';
import { encodeFrameChunks } from '../core/frame-serializer.js';
import {
  type AssembledFrame,
  type DecodedFrame,
  type EncodedFieldBlock,
  type Frame,
  MIN_MAX_FRAME_SIZE,
} from '../core/frame-types.js';
import type { HpackEncoder } from '../core/hpack/hpack-encoder.js';
import { encodeFieldBlock } from './frame-steps.js';

/** Mutable settings of a serializer tube: the peer's SETTINGS_MAX_FRAME_SIZE may change while running. */
export class FrameSerializerSettings {
  constructor(public maxFrameSize = MIN_MAX_FRAME_SIZE) {}
}

/**
 * Frames → bytes, batched: the frames that arrive in one synchronous turn are serialized together
 * at the end of the turn (a microtask) by `encodeFrameChunks`: one buffer for the frame headers
 * and small payloads, DATA payloads of `REFERENCED_PAYLOAD_MIN` (2 KiB) or more emitted by
 * reference between its views, not copied. A turn's chunks are emitted together, synchronously,
 * in wire order: a writer that corks at the first and uncorks at the end of the turn
 * (`socketDrain`, `serverConnection`) makes one vectored write of them.
 *
 * A DATA payload is referenced until the writer is done with it: a body's chunks must not be
 * modified after they were handed over (as with `socket.write`).
 *
 * @example
 * frames$.pipe(serializeFrames(new FrameSerializerSettings(16_384)), socketDrain(socket)).subscribe();
 */
export function serializeFrames(
  settings?: FrameSerializerSettings,
): OperatorFunction<Frame | EncodedFieldBlock, Uint8Array>;
/**
 * With an HPACK `encoder`, decoded field blocks are encoded as they arrive, as
 * `encodeHpack(encoder)` before it would: the outbound chain in one operator (one subscriber per
 * connection instead of two) for when nothing goes between the two.
 *
 * @example
 * frames$.pipe(serializeFrames(settings, encoder), socketDrain(socket)).subscribe();
 */
export function serializeFrames(
  settings: FrameSerializerSettings,
  encoder: HpackEncoder,
): OperatorFunction<DecodedFrame | AssembledFrame, Uint8Array>;
export function serializeFrames(
  settings: FrameSerializerSettings = new FrameSerializerSettings(),
  encoder?: HpackEncoder,
): OperatorFunction<DecodedFrame | Frame | EncodedFieldBlock, Uint8Array> {
  return linkOperator((out: Subscriber<Uint8Array>) => new SerializeLink(out, settings, encoder));
}

/** Collects the frames of a turn and emits their chunks at its end (a microtask). */
class SerializeLink extends Link<DecodedFrame | Frame | EncodedFieldBlock, Uint8Array> {
  /** The frames of this turn; none between turns (an idle connection keeps no empty array). */
  private batch: (Frame | EncodedFieldBlock)[] | undefined;
  private scheduled = false;
  /** For `onNextMicrotaskOf`: the end of the turn reaches this link without a closure of its own. */
  private readonly self = Promise.resolve(this);

  constructor(
    out: Subscriber<Uint8Array>,
    private readonly settings: FrameSerializerSettings,
    private readonly encoder: HpackEncoder | undefined,
  ) {
    super(out);
  }

  protected override _next(f: DecodedFrame | Frame | EncodedFieldBlock): void {
    let frame: Frame | EncodedFieldBlock;
    if (f.type !== 'FIELD_BLOCK') frame = f;
    else if (this.encoder !== undefined) frame = encodeFieldBlock(this.encoder, f);
    else
      return this.error(new TypeError('serializeFrames got a decoded field block: give it an HpackEncoder'));
    if (this.batch === undefined) this.batch = [frame];
    else this.batch.push(frame);
    if (!this.scheduled) {
      this.scheduled = true;
      onNextMicrotaskOf(this.self, flushTurn);
    }
  }

  protected override _error(e: unknown): void {
    this.flushTurn();
    super._error(e);
  }

  protected override _complete(): void {
    this.flushTurn();
    super._complete();
  }

  /** The frames of the turn, serialized, to the link below. */
  flushTurn(): void {
    this.scheduled = false;
    const frames = this.batch;
    if (frames === undefined || this.closed) return;
    this.batch = undefined;
    for (const chunk of encodeFrameChunks(frames, this.settings.maxFrameSize)) this.out.next(chunk);
  }
}

const flushTurn = (link: SerializeLink): void => link.flushTurn();
