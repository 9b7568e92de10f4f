import { tube } from '@h2tubes/tubes';
import type { OperatorFunction } from 'rxjs';
import type { Frame } from '../core/frame-types.js';
import type { H2ProtocolError } from '../core/h2-protocol-error.js';
import { parseFrameStep } from './frame-steps.js';

/**
 * Whole frames → typed `Frame`s (RFC 9113 §6). Connection errors fail the flow with their
 * `H2ProtocolError`. The one structural *stream* error (§6.3: PRIORITY of the wrong length) is
 * handed to `onStreamError` (default: fail the flow) so the connection can reset just that stream.
 *
 * @example
 * frames$.pipe(parseFrames((e) => connection.resetStream(e.streamId, e.code)));
 */
export function parseFrames(
  onStreamError?: (e: H2ProtocolError) => void,
): OperatorFunction<Uint8Array, Frame> {
  return tube<Uint8Array, Frame>(parseFrameStep(onStreamError));
}
