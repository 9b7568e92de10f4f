/**
 * @h2tubes/h2-flow/core: the sans-I/O connection state machine (decoded frames in, frames and
 * events out through a sink), without rxjs. Pair it with @h2tubes/h2-frames/core for the bytes.
 */
export { Connection, type GoawayOptions } from './core/connection.js';
export type { ConnectionEvent, ConnectionEventKind, ConnectionSink } from './core/events.js';
export { FlowWindow } from './core/flow-window.js';
export { Budget, type LimitName, TokenBucket } from './core/limits.js';
export { type ConnectionOptions, type ResolvedOptions, type Role, resolveOptions } from './core/options.js';
export { DEFAULT_URGENCY, type Priority, parsePriority } from './core/priority.js';
export { ReceiveCredit } from './core/receive-credit.js';
export { responseHasNoContent } from './core/response-has-no-content.js';
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
