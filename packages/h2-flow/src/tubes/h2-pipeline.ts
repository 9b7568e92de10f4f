import type { Duplex } from 'node:stream';
import {
  assembleHeaderBlocks,
  CONNECTION_PREFACE,
  type DecodedFrame,
  decodeHpack,
  encodeHpack,
  type Frame,
  FrameSerializerSettings,
  FrameSplitter,
  type H2ProtocolError,
  type HeaderBlockAssemblerOptions,
  HpackDecoder,
  HpackEncoder,
  parseFrames,
  serializeFrames,
  splitFrames,
} from '@h2tubes/h2-frames';
import { type PauseToken, type SocketFount, socketFount } from '@h2tubes/tubes';
import { identity, type Observable, type OperatorFunction, Subject, type Subscription } from 'rxjs';
import type { SettingsValues } from '../core/settings.js';

/**
 * Stages a user may insert into the standard chain:
 *   socket → splitFrames → parseFrames → [afterParse] → assembleHeaderBlocks → decodeHpack → [afterDecode] → Connection
 *   Connection → [beforeEncode] → encodeHpack → serializeFrames → socket
 */
export interface FrameStages {
  /** Sees every wire frame received (a frame logger, a fault injector). */
  readonly afterParse?: OperatorFunction<Frame, Frame>;
  /** Sees decoded header lists and the other frames just before the core (a header rewriter). */
  readonly afterDecode?: OperatorFunction<DecodedFrame, DecodedFrame>;
  /** Sees every frame the core writes, HEADERS as decoded field lists. */
  readonly beforeEncode?: OperatorFunction<DecodedFrame, DecodedFrame>;
}

/** Codec settings of the pipeline (the protocol core decides SETTINGS; these bound the codec). */
export interface PipelineOptions {
  readonly stages?: FrameStages;
  readonly headerBlock?: HeaderBlockAssemblerOptions;
  /** Our SETTINGS_MAX_HEADER_LIST_SIZE, enforced by the decoder from the start. Default 65 536. */
  readonly maxHeaderListSize?: number;
}

/**
 * The frame pipeline of one connection in both directions, built from h2-frames' tubes, plus
 * the handles that SETTINGS changes reach (RFC 9113 §6.5.3: our values apply once ACKed, the
 * peer's at once).
 */
export class H2Pipeline {
  private readonly out = new Subject<DecodedFrame>();
  private readonly splitter: FrameSplitter;
  private readonly decoder: HpackDecoder;
  private readonly encoder = new HpackEncoder();
  private readonly serializer = new FrameSerializerSettings();
  private readonly fount: SocketFount;
  private outbound: Subscription | undefined;

  constructor(
    private readonly socket: Duplex,
    private readonly role: 'server' | 'client',
    private readonly options: PipelineOptions = {},
  ) {
    this.splitter = new FrameSplitter({ expectPreface: role === 'server' });
    this.decoder = new HpackDecoder({ maxHeaderListSize: options.maxHeaderListSize ?? 65_536 });
    // The session still writes (a last GOAWAY) after it stops reading: detach, do not destroy.
    this.fount = socketFount(socket, { onUnsubscribe: 'detach' });
  }

  /** The inbound chain; `onStreamError` receives structural stream errors (RFC 9113 §6.3). */
  inbound(onStreamError: (e: H2ProtocolError) => void): Observable<DecodedFrame> {
    const stages = this.options.stages ?? {};
    return this.fount.pipe(
      splitFrames(this.splitter),
      parseFrames(onStreamError),
      stages.afterParse ?? identity,
      assembleHeaderBlocks(this.options.headerBlock),
      decodeHpack(this.decoder),
      stages.afterDecode ?? identity,
    );
  }

  /**
   * Starts the outbound chain. The client writes the connection preface first (RFC 9113 §3.4).
   * Frames of one turn leave in one socket write; when `end()` is called the socket's write side
   * ends after the last frame.
   */
  startOutbound(): void {
    if (this.role === 'client') this.socket.write(CONNECTION_PREFACE);
    const stages = this.options.stages ?? {};
    this.outbound = this.out
      .pipe(stages.beforeEncode ?? identity, encodeHpack(this.encoder), serializeFrames(this.serializer))
      .subscribe({
        next: (bytes) => {
          if (this.socket.writable) this.socket.write(bytes);
        },
        error: () => this.socket.destroy(),
        complete: () => {
          if (this.socket.writable) closeAfterWriting(this.socket);
        },
      });
  }

  write(frame: DecodedFrame): void {
    this.out.next(frame);
  }

  /** No more frames: flush what is batched and end the socket's write side. */
  end(): void {
    this.out.complete();
  }

  /** Tears the outbound chain down without flushing (the socket is gone). */
  dispose(): void {
    this.outbound?.unsubscribe();
  }

  pauseReading(reason: string): PauseToken {
    return this.fount.pauseFlow(reason);
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

/** How long a peer has to close its side after ours ended before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

/**
 * Ends the write side after the last frame (our GOAWAY) and keeps reading, discarding, until the
 * peer closes too or the grace period passes. Destroying at once could make the kernel answer
 * unread input with a TCP RST that overtakes the GOAWAY; never destroying would leave a
 * half-open socket behind a peer that does not close (RFC 9113 §6.8 leaves the close to us).
 */
function closeAfterWriting(socket: Duplex): void {
  socket.end();
  socket.on('data', () => {});
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  timer.unref?.();
  socket.once('close', () => clearTimeout(timer));
}
