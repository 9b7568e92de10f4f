import {
  type FieldBlockAssemblerOptions,
  FrameSerializerSettings,
  FrameSplitter,
  HpackDecoder,
  HpackEncoder,
} from '@h2tubes/h2-frames';
import type { ConnectionEvent } from '../core/events.js';
import type { SettingsValues } from '../core/settings.js';

/** Options of a `FrameCodec`. */
export interface FrameCodecOptions {
  /** Our SETTINGS_MAX_HEADER_LIST_SIZE, enforced by the decoder from the start. Default 65 536. */
  readonly maxHeaderListSize?: number;
  /** Bounds of an encoded field block (DESIGN.md: 64 KiB, 8 CONTINUATION frames). */
  readonly fieldBlock?: FieldBlockAssemblerOptions;
}

/**
 * The codec state one connection's frame stages share — the splitter, the HPACK contexts and the
 * serializer's frame size — and that SETTINGS reach: our values once the peer ACKs them, the
 * peer's at once (RFC 9113 §6.5.3). Hand its parts to h2-frames' tubes (`splitFrames(codec.splitter)`,
 * `decodeHpack(codec.decoder)`, ...) and `follow` the connection's events.
 *
 * @example
 * const codec = new FrameCodec('server');
 * events$.pipe(tap(codec.follow));
 */
export class FrameCodec {
  readonly splitter: FrameSplitter;
  readonly decoder: HpackDecoder;
  readonly encoder = new HpackEncoder();
  readonly serializer = new FrameSerializerSettings();
  readonly fieldBlock: FieldBlockAssemblerOptions | undefined;
  private boundFollow: ((e: ConnectionEvent) => void) | undefined;

  constructor(role: 'server' | 'client', options: FrameCodecOptions = {}) {
    // RFC 9113 §3.4: the server reads the client's preface before any frame.
    this.splitter = new FrameSplitter({ expectPreface: role === 'server' });
    this.decoder = new HpackDecoder({ maxHeaderListSize: options.maxHeaderListSize ?? 65_536 });
    this.fieldBlock = options.fieldBlock;
  }

  /** Applies the SETTINGS a connection event carries. */
  followEvent(e: ConnectionEvent): void {
    if (e.kind === 'settingsChanged') this.applyPeerSettings(e.settings);
    else if (e.kind === 'settingsAcknowledged') this.applyLocalSettings(e.settings);
  }

  /**
   * `followEvent` bound to this codec, to pass to `tap`; made on first use, so that a connection
   * whose session calls `followEvent` (`H2Session`) keeps no closure for it.
   */
  get follow(): (e: ConnectionEvent) => void {
    this.boundFollow ??= (e) => this.followEvent(e);
    return this.boundFollow;
  }

  /** The peer's SETTINGS: frame size for what we send, the table size our encoder may use. */
  applyPeerSettings(s: SettingsValues): void {
    this.serializer.maxFrameSize = s.maxFrameSize;
    this.encoder.setPeerMaxTableSize(s.headerTableSize);
  }

  /** Our SETTINGS, once ACKed: what the splitter and the decoder enforce. */
  applyLocalSettings(s: SettingsValues): void {
    this.splitter.maxFrameSize = s.maxFrameSize;
    this.decoder.setMaxTableSize(s.headerTableSize);
    this.decoder.maxHeaderListSize = s.maxHeaderListSize;
  }
}
