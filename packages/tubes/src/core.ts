/**
 * @h2tubes/tubes/core: the parts of tubes that do not need rxjs (no Observables, no sockets), so a
 * sans-I/O core (h2-frames' frame splitter) can use them without loading rxjs.
 */
export { FrameTooLargeError, FramingError } from './framing-errors.js';
export { HeaderLengthSplitter, type HeaderLengthSplitterOptions } from './header-length-splitter.js';
export { onNextMicrotask, onNextMicrotaskOf } from './microtask.js';
export { Pauser, type PauseToken } from './pauser.js';
