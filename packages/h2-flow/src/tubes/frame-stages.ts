import {
  type AssembledFrame,
  assembleFieldBlocks,
  type DecodedFrame,
  decodeFrames,
  decodeHpack,
  encodeHpack,
  type Frame,
  type H2ProtocolError,
  parseFrames,
  serializeFrames,
  splitFrames,
} from '@h2tubes/h2-frames';
import { identity, type OperatorFunction } from 'rxjs';
import type { FrameCodec } from './frame-codec.js';

/**
 * Operators a user inserts at the boundaries of the standard chain, in both directions:
 *
 *   socket ─[bytesIn]─ splitFrames ─[afterSplit]─ parseFrames ─[afterParse]─ assembleFieldBlocks
 *     ─[afterAssemble]─ decodeHpack ─[afterDecode]─ connection
 *   connection ─[beforeEncode]─ encodeHpack ─[afterEncode]─ serializeFrames ─[bytesOut]─ socket
 *
 * Any RxJS operator fits (a logger, a header rewriter, a filter that drops a frame type). Stages
 * run synchronously in the chain; one that delays frames must keep their order (RFC 9113 §4.3:
 * header blocks reach the HPACK contexts in wire order).
 */
export interface FrameStages {
  /** Socket bytes as read. */
  readonly bytesIn?: OperatorFunction<Uint8Array, Uint8Array>;
  /** One whole frame's octets (9-octet header + payload). */
  readonly afterSplit?: OperatorFunction<Uint8Array, Uint8Array>;
  /** Every wire frame received, typed (a frame logger, a fault injector). */
  readonly afterParse?: OperatorFunction<Frame, Frame>;
  /** HEADERS + CONTINUATION joined into one header block, other frames as they are. */
  readonly afterAssemble?: OperatorFunction<AssembledFrame, AssembledFrame>;
  /** Decoded header lists and the other frames, just before the connection (a header rewriter). */
  readonly afterDecode?: OperatorFunction<DecodedFrame, DecodedFrame>;
  /** Every frame the connection writes, HEADERS as decoded field lists. */
  readonly beforeEncode?: OperatorFunction<DecodedFrame, DecodedFrame>;
  /** Frames the connection writes with header blocks HPACK-encoded. */
  readonly afterEncode?: OperatorFunction<AssembledFrame, AssembledFrame>;
  /** The octets of one turn's frames, as they go to the socket. */
  readonly bytesOut?: OperatorFunction<Uint8Array, Uint8Array>;
}

/**
 * The inbound chain, socket bytes → frames for the connection: `splitFrames → parseFrames →
 * assembleFieldBlocks → decodeHpack` over the codec's shared state, with `stages` inserted.
 * `onStreamError` receives the structural stream errors the parser finds (RFC 9113 §6.3).
 * With no stage between the four, they run fused as one operator (`decodeFrames`): the same
 * steps, one subscriber per connection instead of four.
 *
 * @example
 * socketFount(socket).pipe(inboundFrames(codec, (e) => stage.streamError(e)), stage.receive);
 */
export function inboundFrames(
  codec: FrameCodec,
  onStreamError: (e: H2ProtocolError) => void,
  stages: FrameStages = {},
): OperatorFunction<Uint8Array, DecodedFrame> {
  if (
    stages.afterSplit === undefined &&
    stages.afterParse === undefined &&
    stages.afterAssemble === undefined
  ) {
    const { splitter, decoder, fieldBlock } = codec;
    return (bytes) =>
      bytes.pipe(
        stages.bytesIn ?? identity,
        decodeFrames({ splitter, decoder, fieldBlock, onStreamError }),
        stages.afterDecode ?? identity,
      );
  }
  return (bytes) =>
    bytes.pipe(
      stages.bytesIn ?? identity,
      splitFrames(codec.splitter),
      stages.afterSplit ?? identity,
      parseFrames(onStreamError),
      stages.afterParse ?? identity,
      assembleFieldBlocks(codec.fieldBlock),
      stages.afterAssemble ?? identity,
      decodeHpack(codec.decoder),
      stages.afterDecode ?? identity,
    );
}

/**
 * The outbound chain, the connection's frames → socket bytes: `encodeHpack → serializeFrames`
 * (the frames of one turn in one buffer), with `stages` inserted; with no stage between the two,
 * one operator (`serializeFrames` with the encoder).
 *
 * @example
 * stage.outbound.pipe(outboundBytes(codec), socketDrain(socket)).subscribe();
 */
export function outboundBytes(
  codec: FrameCodec,
  stages: FrameStages = {},
): OperatorFunction<DecodedFrame, Uint8Array> {
  if (stages.afterEncode === undefined) {
    // Nothing between the two: HPACK-encoded as the frames arrive, by the serializer (one link).
    return (frames) =>
      frames.pipe(
        stages.beforeEncode ?? identity,
        serializeFrames(codec.serializer, codec.encoder),
        stages.bytesOut ?? identity,
      );
  }
  return (frames) =>
    frames.pipe(
      stages.beforeEncode ?? identity,
      encodeHpack(codec.encoder),
      stages.afterEncode ?? identity,
      serializeFrames(codec.serializer),
      stages.bytesOut ?? identity,
    );
}
