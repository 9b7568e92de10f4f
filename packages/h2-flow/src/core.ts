/**
 * @h2tubes/h2-flow/core: the sans-I/O connection state machine (decoded frames in, frames and
 * events out through a sink), without rxjs. Pair it with @h2tubes/h2-frames/core for the bytes.
 */

// Building blocks of the core, for those who assemble their own: not in the "." entry.
export { Budget } from './core/limits.js';
export { type ResolvedOptions, resolveOptions } from './core/options.js';
export * from './core/public-api.js';
export { type Schedulable, SendScheduler } from './core/send-scheduler.js';
