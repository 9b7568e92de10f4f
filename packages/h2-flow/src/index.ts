/**
 * @h2tubes/h2-flow: HTTP/2 connection and stream state, flow control and limits.
 * `src/core/` is sans-I/O (no rxjs, no sockets, no timers): decoded frames in, frames and events
 * out through a sink. `src/tubes/` lifts it into RxJS operators.
 */
export { Connection, type GoawayOptions } from './core/connection.js';
export type { ConnectionEvent, ConnectionEventKind, ConnectionSink } from './core/events.js';
export { FlowWindow } from './core/flow-window.js';
export { type LimitName, TokenBucket } from './core/limits.js';
export type { ConnectionOptions, Role } from './core/options.js';
export { DEFAULT_URGENCY, type Priority, parsePriority } from './core/priority.js';
export { ReceiveCredit } from './core/receive-credit.js';
export {
  announcedSettings,
  applySettings,
  INITIAL_SETTINGS,
  LocalSettings,
  type SettingName,
  type SettingsUpdate,
  type SettingsValues,
} from './core/settings.js';
export {
  type ClosedAnswer,
  type ClosedCause,
  closedStreamAnswer,
  isRefusal,
  type Refusal,
  type Step,
  type StreamInput,
  type StreamState,
  stepStream,
} from './core/stream-state.js';
export { DEFAULT_OBSERVABLE_BODY_POLICY, pullBody } from './tubes/body-puller.js';
export { type ClientSession, clientConnection, type StreamResetError } from './tubes/client-connection.js';
export { ConnectionStage, type ConnectionStageOptions } from './tubes/connection-stage.js';
export type * from './tubes/exchange-types.js';
export { FrameCodec, type FrameCodecOptions } from './tubes/frame-codec.js';
export { type FrameStages, inboundFrames, outboundBytes } from './tubes/frame-stages.js';
export { H2Session, type SessionOptions } from './tubes/h2-session.js';
export { type CreditReturn, StreamBody } from './tubes/received-body.js';
export { defaultReportError, type ErrorContext, type ReportError } from './tubes/report-error.js';
export {
  type ServerConnectionOptions,
  serverConnection,
  serverExchanges,
} from './tubes/server-connection.js';
