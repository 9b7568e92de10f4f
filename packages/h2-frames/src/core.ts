/**
 * @h2tubes/h2-frames/core: the sans-I/O frame codec and HPACK (bytes in, frames out and back),
 * without rxjs. The "." entry re-exports all of this plus the RxJS operators in `src/tubes/`.
 */
export * from './core/error-codes.js';
export * from './core/frame-parser.js';
export * from './core/frame-serializer.js';
export * from './core/frame-splitter.js';
// assertNever, a helper of the codec's own switches, is not part of the API.
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
