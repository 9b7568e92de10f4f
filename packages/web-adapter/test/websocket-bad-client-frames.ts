import { DEFAULT_LIMITS, encodeFrame, Opcode } from '@h2tubes/websocket/core';

// Frames a conforming client never sends, built byte by byte, for the close-code tests over each
// transport. A client masks every frame (RFC 6455 §5.3); only `unmaskedText` does not.

const MASK = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

/** §8.1: a Text frame whose payload is not UTF-8 (0xff never occurs in UTF-8). The answer is 1007. */
export function invalidUtf8Text(): Uint8Array {
  return encodeFrame({
    fin: true,
    opcode: Opcode.Text,
    payload: Uint8Array.of(0x68, 0x69, 0xff),
    mask: MASK,
  });
}

/** §5.1: a client frame without the mask bit. The answer is 1002. */
export function unmaskedText(): Uint8Array {
  return encodeFrame({ fin: true, opcode: Opcode.Text, payload: new TextEncoder().encode('not masked') });
}

/** §5.5: a Ping with 126 payload bytes (control frames carry at most 125). The answer is 1002. */
export function oversizedPing(): Uint8Array {
  return encodeFrame({ fin: true, opcode: Opcode.Ping, payload: new Uint8Array(126), mask: MASK });
}

/** The fragment size of a message over the limit: each frame is well under `maxFrameSize`. */
export const FRAGMENT_SIZE = 1 << 20;

/**
 * §7.4.1 (1009): this many FRAGMENT_SIZE fragments make one message a fragment past the default
 * `maxMessageSize`, so it is the message limit that is hit, not the frame limit.
 */
export const FRAGMENTS_OVER_LIMIT = DEFAULT_LIMITS.maxMessageSize / FRAGMENT_SIZE + 1;
