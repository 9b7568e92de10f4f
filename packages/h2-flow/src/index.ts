/**
 * @h2tubes/h2-flow: HTTP/2 connection and stream state, flow control and limits.
 * `src/core/` is sans-I/O (no rxjs, no sockets, no timers): decoded frames in, frames and events
 * out through a sink. `src/tubes/` lifts it into RxJS operators.
 */
export { Connection, type GoawayOptions } from './core/connection.js';
export type { ConnectionEvent, ConnectionEventKind, ConnectionSink } from './core/events.js';
export { FlowWindow } from './core/flow-window.js';
export { Budget, type LimitName, TokenBucket } from './core/limits.js';
export { type ConnectionOptions, type ResolvedOptions, type Role, resolveOptions } from './core/options.js';
export { DEFAULT_URGENCY, type Priority, parsePriority } from './core/priority.js';
export { ReceiveCredit } from './core/receive-credit.js';
export { type Schedulable, SendScheduler } from './core/send-scheduler.js';
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
export { type BodyPuller, type BodySink, pullBody } from './tubes/body-puller.js';
export { type ClientSession, clientConnection, type StreamResetError } from './tubes/client-connection.js';
export type * from './tubes/exchange-types.js';
export { type FrameStages, H2Pipeline, type PipelineOptions } from './tubes/h2-pipeline.js';
export { H2Session, type SessionOptions } from './tubes/h2-session.js';
export { type CreditReturn, StreamBody } from './tubes/received-body.js';
export { type ServerConnectionOptions, serverConnection } from './tubes/server-connection.js';
