import { closePayload, parseClosePayload } from './close.js';
import { WebSocketProtocolError, WebSocketUsageError } from './errors.js';
import { encodeFrame, type Frame, type FrameHeader, FrameParser, type FrameParserOptions } from './frame.js';
import { nextMaskingKey } from './masking-keys.js';
import { CloseCode, isControl, Opcode } from './opcodes.js';
import { Utf8Validator } from './utf8.js';

/** A whole received message: text is decoded, binary is the payload bytes. */
export type WebSocketMessage = string | Uint8Array;

/** How a connection ended (the `CloseEvent` fields of the WebSocket API). */
export interface CloseInfo {
  /** The code of the peer's Close frame (1005 if it had none), or ours when we failed it, or 1006. */
  readonly code: number;
  readonly reason: string;
  /** True after a completed close handshake (RFC 6455 §7.1.4 "_The WebSocket Connection is Closed_" cleanly). */
  readonly wasClean: boolean;
}

/** Limits of one endpoint. Each has a default; see `DEFAULT_LIMITS`. */
export interface WebSocketLimits {
  /** Largest frame payload accepted; a bigger frame fails the connection with 1009. */
  readonly maxFrameSize: number;
  /** Largest message (all fragments together); a bigger one fails with 1009. */
  readonly maxMessageSize: number;
  /** Most frames one message may span; more fails with 1008 (policy violation). */
  readonly maxFragments: number;
}

export const DEFAULT_LIMITS: WebSocketLimits = {
  maxFrameSize: 16 * 1024 * 1024,
  maxMessageSize: 16 * 1024 * 1024,
  maxFragments: 16 * 1024,
};

/** Options of a `WebSocketEndpoint`. */
export interface EndpointOptions extends Partial<WebSocketLimits> {
  /**
   * 'server' requires every received frame to be masked and sends unmasked; 'client' the reverse
   * (RFC 6455 §5.1).
   */
  readonly role: 'server' | 'client';
  /** A client's masking keys (§5.3). Default: `nextMaskingKey`, 4 octets of `crypto.getRandomValues` output. */
  readonly maskKey?: () => Uint8Array;
}

/** What an endpoint produces. Every call happens synchronously inside a method of the endpoint. */
export interface EndpointSink {
  /** Bytes for the peer, in order. */
  write(bytes: Uint8Array): void;
  message(message: WebSocketMessage): void;
  /** A Ping arrived (the Pong is already written). */
  ping?(payload: Uint8Array): void;
  pong?(payload: Uint8Array): void;
  /** The peer sent Close first; our answering Close is already written (§5.5.1). */
  peerClosing?(code: number, reason: string): void;
  /**
   * The WebSocket is closed: the transport should now end (a server closes first, §7.1.1). After
   * a failure (§7.1.7) a Close frame with the failure code was written just before, if allowed.
   */
  closed(info: CloseInfo): void;
}

export type EndpointState = 'open' | 'closing' | 'closed';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * One side of a WebSocket connection (RFC 6455 §5–§8) without I/O: bytes in through `receive`,
 * bytes and events out through the sink. It assembles fragmented messages with control frames
 * interleaved (§5.4), validates text as UTF-8 as it arrives (§8.1), answers Pings (§5.5.2) and runs
 * the close handshake (§7). Any protocol violation fails the connection (§7.1.7): a Close frame
 * with the code of §7.4.1 is written and `closed` reported. No timers: the closing timeout is the
 * caller's (call `abort()` when it expires).
 *
 * @example
 * const ep = new WebSocketEndpoint({ role: 'server' }, {
 *   write: (b) => socket.write(b), message: (m) => ep.send(m), closed: () => socket.end(),
 * });
 * socket.on('data', (chunk) => ep.receive(chunk));
 */
export class WebSocketEndpoint {
  private readonly parser: FrameParser;
  private readonly limits: WebSocketLimits;
  private stateValue: EndpointState = 'open';
  /** Opcode of the message being assembled, or 0 when none. */
  private messageOpcode = 0;
  private fragments: Uint8Array[] = [];
  private messageSize = 0;
  /** Made at the first Text message: an endpoint that only ever sees Binary needs none. */
  private utf8: Utf8Validator | undefined;
  private closeSent = false;

  constructor(
    private readonly options: EndpointOptions,
    private readonly sink: EndpointSink,
  ) {
    this.limits = {
      maxFrameSize: options.maxFrameSize ?? DEFAULT_LIMITS.maxFrameSize,
      maxMessageSize: options.maxMessageSize ?? DEFAULT_LIMITS.maxMessageSize,
      maxFragments: options.maxFragments ?? DEFAULT_LIMITS.maxFragments,
    };
    this.parser = new FrameParser(
      new EndpointFrameRules(
        Math.min(this.limits.maxFrameSize, Math.max(this.limits.maxMessageSize, 125)),
        this,
      ),
    );
  }

  get state(): EndpointState {
    return this.stateValue;
  }

  /** Bytes from the peer. Ignored once closed. */
  receive(chunk: Uint8Array): void {
    if (this.stateValue === 'closed') return;
    try {
      this.parser.push(chunk, (frame) => this.onFrame(frame));
    } catch (e) {
      if (e instanceof WebSocketProtocolError) this.fail(e.code, e.message);
      else throw e;
    }
  }

  /** Sends a message: a string as one Text frame, bytes as one Binary frame. */
  send(message: WebSocketMessage): void {
    if (this.stateValue !== 'open') throw new WebSocketUsageError(`send() while ${this.stateValue}`);
    if (typeof message === 'string') this.writeFrame(Opcode.Text, encoder.encode(message));
    else this.writeFrame(Opcode.Binary, message);
  }

  /** Sends one fragment; `fin` ends the message (§5.4). The first fragment gives the type. */
  sendFragment(
    opcode: typeof Opcode.Text | typeof Opcode.Binary | 0,
    payload: Uint8Array,
    fin: boolean,
  ): void {
    if (this.stateValue !== 'open') throw new WebSocketUsageError(`send() while ${this.stateValue}`);
    this.writeFrame(opcode, payload, fin);
  }

  ping(payload: Uint8Array = new Uint8Array(0)): void {
    if (payload.length > 125) throw new WebSocketUsageError('a ping payload is at most 125 bytes');
    if (this.stateValue === 'open') this.writeFrame(Opcode.Ping, payload);
  }

  /**
   * Starts the close handshake (§7.1.2): writes a Close frame and waits for the peer's. `code`
   * undefined sends no status (the peer sees 1005). Ignored unless open.
   */
  close(code?: number, reason = ''): void {
    const payload = closePayload(code, reason); // validates even when already closing
    if (this.stateValue !== 'open') return;
    this.stateValue = 'closing';
    this.closeSent = true;
    this.writeFrame(Opcode.Close, payload);
  }

  /** The transport is gone, or the closing timeout expired: closed with 1006, not cleanly (§7.1.5). */
  abort(reason = ''): void {
    if (this.stateValue === 'closed') return;
    this.finish({ code: CloseCode.Abnormal, reason, wasClean: false });
  }

  /** Fails the connection (§7.1.7): a Close frame with `code` if none was sent yet, then closed. */
  fail(code: number, reason: string): void {
    if (this.stateValue === 'closed') return;
    if (!this.closeSent) {
      this.closeSent = true;
      // The reason is for humans only; cut it to fit a control frame.
      this.writeFrame(Opcode.Close, closePayload(code, truncateUtf8(reason, 123)));
    }
    this.finish({ code, reason, wasClean: false });
  }

  private finish(info: CloseInfo): void {
    this.stateValue = 'closed';
    this.fragments = [];
    this.sink.closed(info);
  }

  private writeFrame(opcode: number, payload: Uint8Array, fin = true): void {
    const mask = this.options.role === 'client' ? (this.options.maskKey?.() ?? nextMaskingKey()) : undefined;
    this.sink.write(encodeFrame({ fin, opcode, payload, mask }));
  }

  /**
   * Checks made before a payload is read, so a bad or huge frame fails at once.
   * @internal Called by the parser (through `EndpointFrameRules`).
   */
  checkHeader(h: FrameHeader): void {
    // §5.2: no extension was negotiated, so the RSV bits must be 0.
    if (h.rsv !== 0) throw new WebSocketProtocolError(CloseCode.ProtocolError, 'RSV bits set');
    // §5.1: a server fails on an unmasked frame, a client on a masked one.
    if (this.options.role === 'server' && !h.masked)
      throw new WebSocketProtocolError(CloseCode.ProtocolError, 'unmasked frame from a client');
    if (this.options.role === 'client' && h.masked)
      throw new WebSocketProtocolError(CloseCode.ProtocolError, 'masked frame from a server');
    if (isControl(h.opcode)) {
      if (h.opcode !== Opcode.Close && h.opcode !== Opcode.Ping && h.opcode !== Opcode.Pong)
        throw new WebSocketProtocolError(CloseCode.ProtocolError, `reserved opcode ${h.opcode}`);
      // §5.5: control frames are never fragmented and carry at most 125 bytes.
      if (!h.fin) throw new WebSocketProtocolError(CloseCode.ProtocolError, 'fragmented control frame');
      if (h.length > 125)
        throw new WebSocketProtocolError(CloseCode.ProtocolError, 'control frame over 125 bytes');
      return;
    }
    if (h.opcode === Opcode.Continuation) {
      if (this.messageOpcode === 0)
        throw new WebSocketProtocolError(CloseCode.ProtocolError, 'continuation without a message');
    } else if (h.opcode === Opcode.Text || h.opcode === Opcode.Binary) {
      // §5.4: fragments of one message are not interleaved with another message.
      if (this.messageOpcode !== 0)
        throw new WebSocketProtocolError(CloseCode.ProtocolError, 'new message inside a fragmented one');
    } else throw new WebSocketProtocolError(CloseCode.ProtocolError, `reserved opcode ${h.opcode}`);
    if (h.length > this.limits.maxFrameSize || this.messageSize + h.length > this.limits.maxMessageSize)
      throw new WebSocketProtocolError(CloseCode.MessageTooBig, 'message too big');
    if (this.fragments.length + 1 > this.limits.maxFragments)
      throw new WebSocketProtocolError(CloseCode.PolicyViolation, 'too many fragments');
  }

  private onFrame(f: Frame): void {
    if (this.stateValue === 'closed') return;
    switch (f.opcode) {
      case Opcode.Ping:
        if (this.stateValue === 'open') this.writeFrame(Opcode.Pong, f.payload); // §5.5.2
        this.sink.ping?.(f.payload);
        return;
      case Opcode.Pong:
        this.sink.pong?.(f.payload);
        return;
      case Opcode.Close:
        return this.onClose(f.payload);
    }
    // §7.1.4 / §5.5.1: after sending Close, data may still arrive and is discarded.
    const keep = this.stateValue === 'open';
    if (f.opcode !== Opcode.Continuation) {
      this.messageOpcode = f.opcode;
      if (f.opcode === Opcode.Text) {
        this.utf8 ??= new Utf8Validator();
        this.utf8.reset();
      }
    }
    // A Text message (or its continuation) always has its validator, made above.
    const utf8 = this.utf8 as Utf8Validator;
    if (this.messageOpcode === Opcode.Text && !utf8.push(f.payload))
      throw new WebSocketProtocolError(CloseCode.InvalidPayload, 'text is not UTF-8');
    this.messageSize += f.payload.length;
    if (keep) this.fragments.push(f.payload);
    if (!f.fin) return;
    const opcode = this.messageOpcode;
    const parts = this.fragments;
    this.messageOpcode = 0;
    this.messageSize = 0;
    this.fragments = [];
    if (opcode === Opcode.Text && !utf8.complete)
      throw new WebSocketProtocolError(CloseCode.InvalidPayload, 'text ends inside a UTF-8 sequence');
    if (!keep) return;
    const bytes = parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts);
    this.sink.message(opcode === Opcode.Text ? decoder.decode(bytes) : bytes);
  }

  private onClose(payload: Uint8Array): void {
    const { code, reason } = parseClosePayload(payload);
    if (this.stateValue === 'open') {
      // §5.5.1: answer with a Close, echoing the status code.
      this.stateValue = 'closing';
      this.closeSent = true;
      this.writeFrame(Opcode.Close, code === CloseCode.NoStatus ? new Uint8Array(0) : closePayload(code));
      this.sink.peerClosing?.(code, reason);
    }
    this.finish({ code, reason, wasClean: true });
  }
}

/**
 * The parser's options for one endpoint: the frame limit and, as a method rather than a closure
 * made per endpoint, the endpoint's header checks (the parser calls `options.checkHeader(h)`).
 */
class EndpointFrameRules implements FrameParserOptions {
  constructor(
    readonly maxFrameSize: number,
    private readonly endpoint: WebSocketEndpoint,
  ) {}

  checkHeader(h: FrameHeader): void {
    this.endpoint.checkHeader(h);
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function truncateUtf8(s: string, maxBytes: number): string {
  let bytes = encoder.encode(s);
  if (bytes.length <= maxBytes) return s;
  bytes = bytes.subarray(0, maxBytes);
  // Drop a sequence cut in the middle.
  return decoder.decode(bytes).replace(/\uFFFD$/, '');
}
