import { tube } from '@h2tubes/tubes';
import type { OperatorFunction } from 'rxjs';
import { parseFrame } from '../core/frame-parser.js';
import type { Frame } from '../core/frame-types.js';
import { H2ProtocolError } from '../core/h2-protocol-error.js';

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
  return tube<Uint8Array, Frame>((bytes, emit) => {
    let frame: Frame;
    try {
      frame = parseFrame(bytes);
    } catch (e) {
      if (onStreamError !== undefined && H2ProtocolError.is(e) && e.scope === 'stream')
        return onStreamError(e);
      throw e;
    }
    emit(frame);
  });
}
