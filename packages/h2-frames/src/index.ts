export * from './core/error-codes.js';
export * from './core/frame-parser.js';
// writeFrame, encodedLength and isHeaderBlock are in ./core only (building blocks of encodeFrames).
export { encodeFrames } from './core/frame-serializer.js';
export * from './core/frame-splitter.js';
export {
  type AssembledFrame,
  CONNECTION_PREFACE,
  type ContinuationFrame,
  type DataFrame,
  DEFAULT_SETTINGS,
  type DecodedFrame,
  type FieldBlock,
  FLAGS,
  FRAME_HEADER_LENGTH,
  FRAME_TYPE_CODES,
  type Frame,
  type FrameTypeName,
  type GoawayFrame,
  type HeaderBlock,
  type HeaderField,
  type HeadersFrame,
  MAX_MAX_FRAME_SIZE,
  MAX_WINDOW_SIZE,
  MIN_MAX_FRAME_SIZE,
  type NonHeaderFrame,
  type PingFrame,
  type PriorityFrame,
  type PrioritySpec,
  type PriorityUpdateFrame,
  type PushPromiseFrame,
  type RstStreamFrame,
  SETTINGS_IDS,
  type SettingsEntry,
  type SettingsFrame,
  type UnknownFrame,
  type WindowUpdateFrame,
} from './core/frame-types.js';
export * from './core/h2-protocol-error.js';
export * from './core/header-block-assembler.js';
export * from './core/header-validation.js';
export * from './core/hpack/hpack-decoder.js';
export * from './core/hpack/hpack-encoder.js';
export * from './tubes/assemble-header-blocks.js';
export * from './tubes/decode-hpack.js';
export * from './tubes/encode-hpack.js';
export * from './tubes/parse-frames.js';
export * from './tubes/serialize-frames.js';
export * from './tubes/split-frames.js';
