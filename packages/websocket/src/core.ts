/**
 * @h2tubes/websocket/core: the RFC 6455 codec without I/O and without rxjs. Bytes in, bytes and
 * events out; any transport (a TCP socket, an HTTP/2 stream, RFC 8441) can drive it.
 */
export { type ClosePayload, closePayload, isValidCloseCode, parseClosePayload } from './core/close.js';
export {
  type CloseInfo,
  DEFAULT_LIMITS,
  type EndpointOptions,
  type EndpointSink,
  type EndpointState,
  WebSocketEndpoint,
  type WebSocketLimits,
  type WebSocketMessage,
} from './core/endpoint.js';
export { WebSocketProtocolError, WebSocketUsageError } from './core/errors.js';
export {
  applyMask,
  encodeFrame,
  type Frame,
  type FrameHeader,
  FrameParser,
  type FrameParserOptions,
} from './core/frame.js';
export { nextMaskingKey } from './core/masking-keys.js';
export { CloseCode, isControl, Opcode } from './core/opcodes.js';
export { isValidUtf8, Utf8Validator } from './core/utf8.js';
