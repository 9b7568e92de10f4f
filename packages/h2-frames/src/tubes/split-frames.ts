import { tube } from '@h2tubes/tubes';
import type { OperatorFunction } from 'rxjs';
import { FrameSplitter, type FrameSplitterOptions } from '../core/frame-splitter.js';

/**
 * Socket bytes → whole frames (9-octet header + payload views). Pass a `FrameSplitter` you keep
 * to change SETTINGS_MAX_FRAME_SIZE while running; a frame over it fails the flow with
 * FRAME_SIZE_ERROR, a bad preface with PROTOCOL_ERROR, a truncated end with PROTOCOL_ERROR.
 *
 * @example
 * const splitter = new FrameSplitter({ expectPreface: true });
 * bytes$.pipe(splitFrames(splitter), parseFrames());
 */
export function splitFrames(
  splitter: FrameSplitter | FrameSplitterOptions = {},
): OperatorFunction<Uint8Array, Uint8Array> {
  const s = splitter instanceof FrameSplitter ? splitter : new FrameSplitter(splitter);
  return tube<Uint8Array, Uint8Array>(
    (chunk, emit) => s.push(chunk, emit),
    () => s.end(),
  );
}
