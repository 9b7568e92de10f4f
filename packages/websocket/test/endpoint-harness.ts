import {
  type CloseInfo,
  type EndpointOptions,
  encodeFrame,
  FrameParser,
  Opcode,
  parseClosePayload,
  WebSocketEndpoint,
  type WebSocketMessage,
} from '../src/core.js';

/** A fixed masking key, so frames built by tests are reproducible. */
export const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const encoder = new TextEncoder();

/** A frame as a client sends it (masked, RFC 6455 §5.3). */
export function clientFrame(opcode: number, payload: Uint8Array | string, fin = true): Uint8Array {
  const bytes = typeof payload === 'string' ? encoder.encode(payload) : payload;
  return encodeFrame({ fin, opcode, payload: bytes, mask: KEY });
}

/** An endpoint with every sink event recorded. */
export function harness(options: Partial<EndpointOptions> = {}) {
  const written: Uint8Array[] = [];
  const messages: WebSocketMessage[] = [];
  const pings: Uint8Array[] = [];
  let closed: CloseInfo | undefined;
  const endpoint = new WebSocketEndpoint(
    { role: 'server', ...options },
    {
      write: (b) => written.push(b),
      message: (m) => messages.push(m),
      ping: (p) => pings.push(p),
      closed: (info) => {
        closed = info;
      },
    },
  );
  return {
    endpoint,
    messages,
    pings,
    get closed() {
      return closed;
    },
    /** The frames the endpoint wrote, parsed back. */
    sentFrames() {
      const frames: { opcode: number; fin: boolean; masked: boolean; payload: Uint8Array }[] = [];
      const parser = new FrameParser({ maxFrameSize: Number.MAX_SAFE_INTEGER });
      for (const w of written) parser.push(w, (f) => frames.push(f));
      return frames;
    },
    /** The code of the Close frame the endpoint wrote, if any. */
    sentCloseCode(): number | undefined {
      const close = this.sentFrames().find((f) => f.opcode === Opcode.Close);
      return close === undefined ? undefined : parseClosePayload(close.payload).code;
    },
  };
}
