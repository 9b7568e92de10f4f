/**
 * Frame splitting + parsing speed (RFC 9113 §4.1): a DATA-heavy stream of 16 KiB frames fed in
 * 64 KiB socket-sized chunks (payloads are views, so this measures header work), and a mix of
 * small control/header frames, frames/s.
 *
 *   node bench/dist/frames-bench.js [seconds=2]
 */
import { encodeFrames, type Frame, FrameSplitter, parseFrame } from '@h2tubes/h2-frames';

function chunks(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

function measure(
  seconds: number,
  input: Uint8Array[],
  octets: number,
): { bytesPerSec: number; framesPerSec: number } {
  let frames = 0;
  let bytes = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    const s = new FrameSplitter({ maxFrameSize: 1 << 20 });
    for (const c of input) {
      s.push(c, (f) => {
        parseFrame(f);
        frames++;
      });
    }
    bytes += octets;
    t = performance.now();
  }
  const secs = (t - t0) / 1000;
  return { bytesPerSec: bytes / secs, framesPerSec: frames / secs };
}

export async function run(seconds = Number(process.argv[2] ?? 2)): Promise<void> {
  const data: Frame[] = Array.from({ length: 1024 }, (_, i) => ({
    type: 'DATA',
    streamId: 1 + 2 * (i % 8),
    endStream: false,
    data: new Uint8Array(16_384),
    padLength: undefined,
  }));
  const dataBytes = encodeFrames(data, 1 << 20);
  const d = measure(seconds, chunks(dataBytes, 65_536), dataBytes.length);
  console.log(
    `DATA 16 KiB frames in 64 KiB chunks: ${(d.bytesPerSec / 1e9).toFixed(2)} GB/s, ${(d.framesPerSec / 1e6).toFixed(2)} M frames/s`,
  );

  const mix: Frame[] = [];
  for (let i = 0; i < 4096; i++) {
    const k = i % 4;
    if (k === 0) {
      mix.push({
        type: 'HEADERS',
        streamId: 1 + 2 * i,
        endStream: true,
        endHeaders: true,
        priority: undefined,
        padLength: undefined,
        fragment: new Uint8Array(40),
      });
    } else if (k === 1) {
      mix.push({
        type: 'SETTINGS',
        streamId: 0,
        ack: false,
        settings: [
          { id: 3, value: 100 },
          { id: 4, value: 65_535 },
        ],
      });
    } else if (k === 2) {
      mix.push({ type: 'PING', streamId: 0, ack: false, opaqueData: new Uint8Array(8) });
    } else {
      mix.push({ type: 'WINDOW_UPDATE', streamId: 1, windowSizeIncrement: 1000 });
    }
  }
  const mixBytes = encodeFrames(mix);
  const m = measure(seconds, chunks(mixBytes, 16_384), mixBytes.length);
  console.log(
    `small-frame mix (HEADERS/SETTINGS/PING/WINDOW_UPDATE): ${(m.framesPerSec / 1e6).toFixed(2)} M frames/s, ${(m.bytesPerSec / 1e6).toFixed(0)} MB/s`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
