export {
  encodeLengthPrefixed,
  encodeNetstring,
  FrameTooLargeError,
  FramingError,
  splitByHeaderLength,
  splitDelimited,
  splitLengthPrefixed,
  splitNetstrings,
} from './framing.js';
export { Pauser, type PauseToken } from './pauser.js';
export { type SocketFount, socketFount } from './socket-fount.js';
export { type TubeStep, tube } from './tube.js';
