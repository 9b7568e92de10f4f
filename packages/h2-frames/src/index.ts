export * from './core/error-codes.js';
export * from './core/frame-types.js';
export * from './core/h2-protocol-error.js';
