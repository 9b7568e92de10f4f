export { BufferOverflowError, Demand } from './demand.js';
export {
  encodeLengthPrefixed,
  encodeNetstring,
  prefixLength,
  splitByHeaderLength,
  splitDelimited,
  splitLengthPrefixed,
  splitNetstrings,
} from './framing.js';
export { FrameTooLargeError, FramingError } from './framing-errors.js';
export { HeaderLengthSplitter, type HeaderLengthSplitterOptions } from './header-length-splitter.js';
export { Link, linkOperator, NO_OUTPUT } from './link.js';
export { onNextMicrotask, onNextMicrotaskOf } from './microtask.js';
export { type OutboundRoom, socketRoom, UNBOUNDED_ROOM } from './outbound-room.js';
export { Pauser, type PauseToken } from './pauser.js';
export { DropOldestQueue } from './pull/drop-oldest-queue.js';
export type { OverflowPolicy, PullStats } from './pull/overflow-policy.js';
export { isPullSource, type PullSource, pullFrom, toReadableStream } from './pull/pull-from.js';
export { Bounded, bounded, DemandDriven, demandDriven } from './pull/pull-sources.js';
export { isPullable, type Pullable, type Puller, type PullSink } from './pull/puller.js';
export { Relay } from './relay.js';
export { type SocketDrainOptions, socketDrain } from './socket-drain.js';
export { type SocketFount, type SocketFountOptions, socketFount } from './socket-fount.js';
export { type TubeStep, tube } from './tube.js';
