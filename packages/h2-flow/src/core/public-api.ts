/**
 * The core's public API, what both entries export: `@h2tubes/h2-flow/core` adds the building blocks
 * below it (Budget, resolveOptions, SendScheduler), `@h2tubes/h2-flow` the RxJS tube layer.
 */
export { Connection, type GoawayOptions } from './connection.js';
export type { ConnectionEvent, ConnectionEventKind, ConnectionSink } from './events.js';
export { FlowWindow } from './flow-window.js';
export { type LimitName, TokenBucket } from './limits.js';
export type { ConnectionOptions, Role } from './options.js';
export { DEFAULT_URGENCY, type Priority, parsePriority } from './priority.js';
export { ReceiveCredit } from './receive-credit.js';
export { responseHasNoContent } from './response-has-no-content.js';
export {
  announcedSettings,
  applySettings,
  INITIAL_SETTINGS,
  LocalSettings,
  type SettingName,
  type SettingsUpdate,
  type SettingsValues,
} from './settings.js';
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
} from './stream-state.js';
