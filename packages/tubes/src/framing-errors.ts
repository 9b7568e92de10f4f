/** A frame longer than the configured maximum: refused before it is buffered further. */
export class FrameTooLargeError extends Error {
  override readonly name = 'FrameTooLargeError';
  constructor(
    readonly length: number,
    readonly max: number,
  ) {
    super(`frame of ${length} octets exceeds the maximum of ${max}`);
  }
}

/** Malformed framing (a bad netstring length, input ending inside a frame). */
export class FramingError extends Error {
  override readonly name = 'FramingError';
}
