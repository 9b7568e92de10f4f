import { onNextMicrotask } from '@h2tubes/tubes';
import { Observable, type OperatorFunction } from 'rxjs';
import { encodeFrameChunks } from '../core/frame-serializer.js';
import { type EncodedFieldBlock, type Frame, MIN_MAX_FRAME_SIZE } from '../core/frame-types.js';

/** Mutable settings of a serializer tube: the peer's SETTINGS_MAX_FRAME_SIZE may change while running. */
export class FrameSerializerSettings {
  constructor(public maxFrameSize = MIN_MAX_FRAME_SIZE) {}
}

/**
 * Frames → bytes, batched: the frames that arrive in one synchronous turn are serialized together
 * at the end of the turn (a microtask) by `encodeFrameChunks`: one buffer for the frame headers
 * and small payloads, DATA payloads of `REFERENCED_PAYLOAD_MIN` (2 KiB) or more emitted by
 * reference between its views, not copied. A turn's chunks are emitted together, synchronously,
 * in wire order: a writer that corks at the first and uncorks at the end of the turn
 * (`socketDrain`, `serverConnection`) makes one vectored write of them.
 *
 * A DATA payload is referenced until the writer is done with it: a body's chunks must not be
 * modified after they were handed over (as with `socket.write`).
 *
 * @example
 * frames$.pipe(serializeFrames(new FrameSerializerSettings(16_384)), socketDrain(socket)).subscribe();
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
        for (const chunk of encodeFrameChunks(frames, settings.maxFrameSize)) subscriber.next(chunk);
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
