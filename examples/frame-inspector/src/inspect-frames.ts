import {
  assembleFieldBlocks,
  type DecodedFrame,
  decodeHpack,
  type Frame,
  HpackDecoder,
  MAX_MAX_FRAME_SIZE,
  parseFrames,
  SETTINGS_IDS,
  splitFrames,
} from '@h2tubes/h2-frames';
import { type MonoTypeOperatorFunction, type OperatorFunction, tap } from 'rxjs';
import { describeFields, describeFrame } from './describe-frame.js';

/** Where lines go, and the clock their timestamps come from (ms). */
export interface Printer {
  print(line: string): void;
  now(): number;
}

/**
 * The stage this example inserts into the standard chain: prints every frame as it comes out of
 * `parseFrames`, nghttp -v style, and passes it on unchanged — which is what lets a stage go
 * between any two others.
 */
export function logFrames(label: string, out: Printer, startedAt: number): MonoTypeOperatorFunction<Frame> {
  return tap((f) => {
    const [first, ...rest] = describeFrame(f);
    const t = ((out.now() - startedAt) / 1000).toFixed(3).padStart(7);
    out.print(`[${t}] ${label} ${first}`);
    for (const line of rest) out.print(line);
  });
}

/**
 * One direction of a connection as an inspector sees it. The HPACK decoder is exposed because
 * its bound is set by the *other* direction: SETTINGS_HEADER_TABLE_SIZE announced by the side
 * that receives these bytes (RFC 7541 §4.2).
 */
export class InspectedDirection {
  /** Starts at the RFC 7541 default of 4096 octets, like the sender's encoder. */
  readonly decoder = new HpackDecoder({ maxHeaderListSize: 1 << 24 });
  private tableBound = 4096;

  constructor(
    /** Printed before each frame, e.g. `client→backend`. */
    readonly label: string,
    /** The client's bytes start with the 24-octet preface (RFC 9113 §3.4). */
    readonly fromClient: boolean,
  ) {}

  /** The receiving side announced a table size: encoders may grow up to it (only raised here). */
  allowTableSize(n: number): void {
    if (n <= this.tableBound) return;
    this.tableBound = n;
    this.decoder.setMaxTableSize(n);
  }

  /**
   * Bytes → frames through the standard chain (splitFrames → parseFrames → assembleFieldBlocks
   * → decodeHpack) with `logFrames` inserted after parseFrames; decoded header lists are printed
   * under their frame. `opposite` receives our sender's SETTINGS_HEADER_TABLE_SIZE.
   * An inspector shows what peers send, it does not police them: frame and header limits are the
   * protocol maxima.
   */
  decode(
    out: Printer,
    startedAt: number,
    opposite: InspectedDirection,
  ): OperatorFunction<Uint8Array, DecodedFrame> {
    return (bytes) =>
      bytes.pipe(
        splitFrames({ expectPreface: this.fromClient, maxFrameSize: MAX_MAX_FRAME_SIZE }),
        parseFrames(),
        logFrames(this.label, out, startedAt),
        tap((f) => {
          if (f.type !== 'SETTINGS' || f.ack) return;
          for (const s of f.settings)
            if (s.id === SETTINGS_IDS.SETTINGS_HEADER_TABLE_SIZE) opposite.allowTableSize(s.value);
        }),
        assembleFieldBlocks({ maxBlockSize: 1 << 24, maxContinuations: 1 << 20 }),
        decodeHpack(this.decoder),
        tap((f) => {
          if (f.type === 'FIELD_BLOCK') for (const line of describeFields(f.fields)) out.print(line);
        }),
      );
  }
}
