export * from './core/error-codes.js';
export * from './core/field-block-assembler.js';
export * from './core/frame-parser.js';
// writeFrame, encodedLength and isEncodedFieldBlock are in ./core only (building blocks of encodeFrames).
export { encodeFrames } from './core/frame-serializer.js';
export * from './core/frame-splitter.js';
export * from './core/frame-types.js';
export * from './core/h2-protocol-error.js';
export * from './core/header-validation.js';
export * from './core/hpack/hpack-decoder.js';
export * from './core/hpack/hpack-encoder.js';
export * from './tubes/assemble-field-blocks.js';
export * from './tubes/decode-frames.js';
export * from './tubes/decode-hpack.js';
export * from './tubes/encode-hpack.js';
export { decodeFieldBlock } from './tubes/frame-steps.js';
export * from './tubes/parse-frames.js';
export * from './tubes/serialize-frames.js';
export * from './tubes/split-frames.js';
