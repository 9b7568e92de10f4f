/**
 * @h2tubes/h2-frames/core: the sans-I/O frame codec and HPACK (bytes in, frames out and back),
 * without rxjs. The "." entry re-exports it (but for `writeFrame`, `encodedLength`, `isEncodedFieldBlock`,
 * the building blocks of `encodeFrames`) plus the RxJS operators in `src/tubes/`.
 */
export * from './core/error-codes.js';
export * from './core/field-block-assembler.js';
export * from './core/frame-parser.js';
export * from './core/frame-serializer.js';
export * from './core/frame-splitter.js';
export * from './core/frame-types.js';
export * from './core/h2-protocol-error.js';
export * from './core/header-validation.js';
export * from './core/hpack/hpack-decoder.js';
export * from './core/hpack/hpack-encoder.js';
