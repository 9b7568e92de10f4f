/**
 * @h2tubes/h2-flow: HTTP/2 connection and stream state, flow control and limits.
 * `src/core/` is sans-I/O (no rxjs, no sockets, no timers): decoded frames in, frames and events
 * out through a sink. `src/tubes/` lifts it into RxJS operators.
 */
export * from './core/public-api.js';
export { DEFAULT_OBSERVABLE_BODY_POLICY, pullBody } from './tubes/body-puller.js';
export { clientConnection, observeClientConnection } from './tubes/client-connection.js';
export { type ClientSession, clientExchanges, type StreamResetError } from './tubes/client-exchanges.js';
export { ConnectionStage, type ConnectionStageOptions } from './tubes/connection-stage.js';
export type * from './tubes/exchange-types.js';
export { FrameCodec, type FrameCodecOptions } from './tubes/frame-codec.js';
export { type FrameStages, inboundFrames, outboundBytes } from './tubes/frame-stages.js';
export { H2Session, type SessionOptions } from './tubes/h2-session.js';
export { type CreditSink, StreamBody } from './tubes/received-body.js';
export { defaultReportError, type ErrorContext, type ReportError } from './tubes/report-error.js';
export {
  type ServerConnectionOptions,
  serverConnection,
  serverExchanges,
} from './tubes/server-connection.js';
