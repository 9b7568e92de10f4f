import { onNextMicrotask } from '@h2tubes/tubes';
import { Observable, type OperatorFunction } from 'rxjs';
import { encodeFrames } from '../core/frame-serializer.js';
import { type EncodedFieldBlock, type Frame, MIN_MAX_FRAME_SIZE } from '../core/frame-types.js';

/** Mutable settings of a serializer tube: the peer's SETTINGS_MAX_FRAME_SIZE may change while running. */
export class FrameSerializerSettings {
  constructor(public maxFrameSize = MIN_MAX_FRAME_SIZE) {}
}

/**
 * Frames → bytes, batched: every frame that arrives in one synchronous turn is written into one
 * buffer, emitted at the end of the turn (a microtask), so the socket sees one write per turn.
 *
 * @example
 * frames$.pipe(serializeFrames(new FrameSerializerSettings(16_384))).subscribe((bytes) => socket.write(bytes));
 */
export function serializeFrames(
  settings: FrameSerializerSettings = new FrameSerializerSettings(),
): OperatorFunction<Frame | EncodedFieldBlock, Uint8Array> {
  return (source) =>
    new Observable<Uint8Array>((subscriber) => {
      let batch: (Frame | EncodedFieldBlock)[] = [];
      let scheduled = false;
      const flush = (): void => {
        scheduled = false;
        if (batch.length === 0 || subscriber.closed) return;
        const frames = batch;
        batch = [];
        subscriber.next(encodeFrames(frames, settings.maxFrameSize));
      };
      const sub = source.subscribe({
        next(f) {
          batch.push(f);
          if (!scheduled) {
            scheduled = true;
            onNextMicrotask(flush);
          }
        },
        error(e) {
          flush();
          subscriber.error(e);
        },
        complete() {
          flush();
          subscriber.complete();
        },
      });
      return () => sub.unsubscribe();
    });
}
