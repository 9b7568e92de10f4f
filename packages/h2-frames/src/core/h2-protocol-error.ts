import type { ErrorCode } from './error-codes.js';

/** RFC 9113 §5.4: a stream error resets one stream (RST_STREAM), a connection error ends it (GOAWAY). */
export type ErrorScope = 'stream' | 'connection';
/** Who detected the fault: `remote` = the peer broke a rule; `local` = we chose to end it. */
export type ErrorInitiator = 'remote' | 'local';

/**
 * The one error type for HTTP/2 protocol faults. It carries everything needed to answer on the
 * wire: the RFC 9113 §7 code, the scope (stream → RST_STREAM, connection → GOAWAY) and the stream.
 * Decoders attach the code the RFC names where they detect the fault; nothing downstream
 * rewrites it.
 *
 * @example
 * throw new H2ProtocolError('FRAME_SIZE_ERROR', 'connection', 'PING payload must be 8 octets', { streamId: 0 });
 */
export class H2ProtocolError extends Error {
  override readonly name = 'H2ProtocolError';
  readonly code: ErrorCode;
  readonly scope: ErrorScope;
  /** The stream at fault; 0 for connection errors not tied to a stream. */
  readonly streamId: number;
  readonly initiator: ErrorInitiator;

  constructor(
    code: ErrorCode,
    scope: ErrorScope,
    message: string,
    options: { streamId?: number; initiator?: ErrorInitiator; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.scope = scope;
    this.streamId = options.streamId ?? 0;
    this.initiator = options.initiator ?? 'remote';
  }

  /** Brand check that survives duplicate installs of this package (instanceof would not). */
  static is(e: unknown): e is H2ProtocolError {
    return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'H2ProtocolError';
  }
}

/**
 * Misuse of the API by the application (sending on a closed stream, bad option values). It is
 * thrown to the caller and never reaches the wire.
 */
export class H2UsageError extends Error {
  override readonly name = 'H2UsageError';
}
