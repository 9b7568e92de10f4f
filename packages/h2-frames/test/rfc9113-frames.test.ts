import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isEncodedFieldBlock } from '../src/core.js';
import {
  type AssembledFrame,
  CONNECTION_PREFACE,
  encodeFrames,
  FieldBlockAssembler,
  type Frame,
  FrameSplitter,
  H2ProtocolError,
  parseFrame,
} from '../src/index.js';
import { anyFrame, chunk } from './frame-arbitraries.js';

/** Bytes of a raw frame: header fields as given, payload as given (for malformed input). */
function raw(type: number, flags: number, streamId: number, payload: number[] | Uint8Array): Uint8Array {
  const p = payload instanceof Uint8Array ? payload : Uint8Array.from(payload);
  const out = new Uint8Array(9 + p.length);
  out[0] = p.length >>> 16;
  out[1] = (p.length >>> 8) & 0xff;
  out[2] = p.length & 0xff;
  out[3] = type;
  out[4] = flags;
  new DataView(out.buffer).setUint32(5, streamId >>> 0);
  out.set(p, 9);
  return out;
}

function split(chunks: Uint8Array[], options = {}): Frame[] {
  const s = new FrameSplitter(options);
  const frames: Frame[] = [];
  for (const c of chunks) s.push(c, (f) => frames.push(parseFrame(f)));
  s.end();
  return frames;
}

function failure(fn: () => unknown): H2ProtocolError {
  try {
    fn();
  } catch (e) {
    if (H2ProtocolError.is(e)) return e;
    throw e;
  }
  throw new Error('expected an H2ProtocolError');
}

describe('frame round trip (RFC 9113 §4.1, §6)', () => {
  it('any frames → bytes → any chunking → the same frames', () => {
    fc.assert(
      fc.property(
        fc.array(anyFrame, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (frames, cuts) => {
          const bytes = encodeFrames(frames);
          expect(split(chunk(bytes, cuts))).toEqual(frames);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('splits at every byte of a stream and still yields the same frames', () => {
    const frames: Frame[] = [
      { type: 'PING', streamId: 0, ack: false, opaqueData: new Uint8Array(8).fill(7) },
      { type: 'DATA', streamId: 1, endStream: true, data: new Uint8Array(40).fill(1), padLength: 3 },
    ];
    const bytes = encodeFrames(frames);
    for (let i = 0; i <= bytes.length; i++) expect(split(chunk(bytes, [i]))).toEqual(frames);
    expect(split([...bytes].map((b) => Uint8Array.of(b)))).toEqual(frames);
  });

  it('an object that is no frame (a mistake of an untyped caller) is refused with an error naming it, not encoded', () => {
    const notAFrame = { type: 'PONG', streamId: 0 } as unknown as Frame;
    expect(() => encodeFrames([notAFrame])).toThrow('unexpected value: {"type":"PONG","streamId":0}');
  });

  it('payloads are views of the received chunk when a frame lies inside it (no copy)', () => {
    const bytes = encodeFrames([
      { type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(100), padLength: undefined },
    ]);
    const [f] = split([bytes]) as [Frame & { type: 'DATA' }];
    expect(f.data.buffer).toBe(bytes.buffer);
  });
});

describe('never crash on arbitrary input', () => {
  it('arbitrary bytes into splitter → parser → assembler give frames or an H2ProtocolError, nothing else', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }),
        fc.boolean(),
        (chunks, preface) => {
          const s = new FrameSplitter({ expectPreface: preface });
          const a = new FieldBlockAssembler();
          try {
            for (const c of chunks) s.push(c, (f) => a.push(parseFrame(f), () => {}));
            s.end();
          } catch (e) {
            expect(H2ProtocolError.is(e)).toBe(true);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('mutated valid frames give frames or an H2ProtocolError', () => {
    fc.assert(
      fc.property(
        fc.array(anyFrame, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }),
        (frames, flips) => {
          const bytes = encodeFrames(frames).slice();
          for (const [at, v] of flips) if (bytes.length > 0) bytes[at % bytes.length] = v;
          const s = new FrameSplitter({ maxFrameSize: 16_777_215 });
          const a = new FieldBlockAssembler();
          try {
            s.push(bytes, (f) => a.push(parseFrame(f), () => {}));
          } catch (e) {
            expect(H2ProtocolError.is(e)).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('RFC 9113 §3.4 connection preface', () => {
  it('a server splitter accepts the 24-octet preface, even split, and then frames', () => {
    const ping = encodeFrames([{ type: 'PING', streamId: 0, ack: false, opaqueData: new Uint8Array(8) }]);
    const all = new Uint8Array([...CONNECTION_PREFACE, ...ping]);
    expect(split(chunk(all, [5, 23, 30]), { expectPreface: true })).toHaveLength(1);
  });

  it('an invalid preface is a connection PROTOCOL_ERROR', () => {
    const e = failure(() =>
      split([new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n')], { expectPreface: true }),
    );
    expect([e.code, e.scope]).toEqual(['PROTOCOL_ERROR', 'connection']);
  });
});

describe('RFC 9113 §4.2 frame size', () => {
  it('a frame over SETTINGS_MAX_FRAME_SIZE is FRAME_SIZE_ERROR from its header alone, before its payload arrives', () => {
    const header = raw(0, 0, 1, new Uint8Array(16_385)).subarray(0, 9);
    const e = failure(() => new FrameSplitter().push(header, () => {}));
    expect([e.code, e.scope]).toEqual(['FRAME_SIZE_ERROR', 'connection']);
  });

  it('the limit can be raised while running', () => {
    const s = new FrameSplitter();
    expect(s.maxFrameSize).toBe(16_384);
    s.maxFrameSize = 20_000;
    expect(s.maxFrameSize).toBe(20_000);
    const frames: Uint8Array[] = [];
    s.push(raw(0, 0, 1, new Uint8Array(20_000)), (f) => frames.push(f));
    expect(frames).toHaveLength(1);
  });

  it('buffered counts the octets held for a frame not yet whole, and drops to 0 once it is emitted', () => {
    const s = new FrameSplitter();
    const ping = raw(6, 0, 0, new Uint8Array(8));
    const frames: Uint8Array[] = [];
    s.push(ping.subarray(0, 5), (f) => frames.push(f));
    expect(s.buffered).toBe(5);
    s.push(ping.subarray(5, 12), (f) => frames.push(f));
    expect(s.buffered).toBe(12);
    s.push(ping.subarray(12), (f) => frames.push(f));
    expect([frames.length, s.buffered]).toEqual([1, 0]);
  });

  it('a connection that ends inside a frame is a PROTOCOL_ERROR', () => {
    const s = new FrameSplitter();
    s.push(raw(6, 0, 0, new Uint8Array(8)).subarray(0, 12), () => {});
    expect(failure(() => s.end()).code).toBe('PROTOCOL_ERROR');
  });
});

describe('RFC 9113 §4.1 header fields', () => {
  it('the reserved bit of the stream identifier is ignored on receipt', () => {
    expect(parseFrame(raw(3, 0, 0x8000_0001, [0, 0, 0, 8])).streamId).toBe(1);
  });

  it('unknown flags are ignored and unknown frame types are kept with their raw type, flags and payload (§5.5)', () => {
    expect(parseFrame(raw(6, 0xfe, 0, new Uint8Array(8)))).toMatchObject({ type: 'PING', ack: false });
    expect(parseFrame(raw(0xfa, 0x42, 3, [1, 2]))).toEqual({
      type: 'UNKNOWN',
      typeCode: 0xfa,
      flags: 0x42,
      streamId: 3,
      payload: Uint8Array.of(1, 2),
    });
  });
});

describe('RFC 9113 §6 per-type rules', () => {
  const cases: Array<[string, Uint8Array, string, 'stream' | 'connection']> = [
    ['§6.1 DATA on stream 0', raw(0, 0, 0, [1]), 'PROTOCOL_ERROR', 'connection'],
    ['§6.1 DATA padding ≥ payload length', raw(0, 0x8, 1, [4, 1, 2, 3]), 'PROTOCOL_ERROR', 'connection'],
    ['§6.2 HEADERS on stream 0', raw(1, 0x4, 0, [0x82]), 'PROTOCOL_ERROR', 'connection'],
    ['§6.2 HEADERS padding ≥ payload length', raw(1, 0xc, 1, [2, 0x82]), 'PROTOCOL_ERROR', 'connection'],
    [
      '§6.2 HEADERS with PRIORITY shorter than its 5 priority octets',
      raw(1, 0x24, 1, [0, 0, 0, 3]),
      'FRAME_SIZE_ERROR',
      'connection',
    ],
    ['§6.3 PRIORITY of the wrong length', raw(2, 0, 1, [0, 0, 0, 0]), 'FRAME_SIZE_ERROR', 'stream'],
    ['§6.3 PRIORITY on stream 0', raw(2, 0, 0, [0, 0, 0, 1, 15]), 'PROTOCOL_ERROR', 'connection'],
    ['§6.4 RST_STREAM of the wrong length', raw(3, 0, 1, [0, 0, 0]), 'FRAME_SIZE_ERROR', 'connection'],
    ['§6.4 RST_STREAM on stream 0', raw(3, 0, 0, [0, 0, 0, 8]), 'PROTOCOL_ERROR', 'connection'],
    ['§6.5 SETTINGS on a stream', raw(4, 0, 1, []), 'PROTOCOL_ERROR', 'connection'],
    ['§6.5 SETTINGS ACK with a payload', raw(4, 1, 0, [0, 1, 0, 0, 0, 0]), 'FRAME_SIZE_ERROR', 'connection'],
    [
      '§6.5 SETTINGS length not a multiple of 6',
      raw(4, 0, 0, [0, 1, 0, 0, 0]),
      'FRAME_SIZE_ERROR',
      'connection',
    ],
    ['§6.5.2 ENABLE_PUSH not 0 or 1', raw(4, 0, 0, [0, 2, 0, 0, 0, 2]), 'PROTOCOL_ERROR', 'connection'],
    [
      '§6.5.2 INITIAL_WINDOW_SIZE above 2^31-1',
      raw(4, 0, 0, [0, 4, 0x80, 0, 0, 0]),
      'FLOW_CONTROL_ERROR',
      'connection',
    ],
    [
      '§6.5.2 MAX_FRAME_SIZE below 2^14',
      raw(4, 0, 0, [0, 5, 0, 0, 0x3f, 0xff]),
      'PROTOCOL_ERROR',
      'connection',
    ],
    ['§6.5.2 MAX_FRAME_SIZE above 2^24-1', raw(4, 0, 0, [0, 5, 1, 0, 0, 0]), 'PROTOCOL_ERROR', 'connection'],
    [
      '§6.6 PUSH_PROMISE shorter than its stream id',
      raw(5, 0x4, 1, [0, 0]),
      'FRAME_SIZE_ERROR',
      'connection',
    ],
    ['§6.7 PING of the wrong length', raw(6, 0, 0, [1, 2, 3]), 'FRAME_SIZE_ERROR', 'connection'],
    ['§6.7 PING on a stream', raw(6, 0, 1, new Uint8Array(8)), 'PROTOCOL_ERROR', 'connection'],
    ['§6.8 GOAWAY shorter than 8', raw(7, 0, 0, [0, 0, 0, 1]), 'FRAME_SIZE_ERROR', 'connection'],
    ['§6.8 GOAWAY on a stream', raw(7, 0, 3, new Uint8Array(8)), 'PROTOCOL_ERROR', 'connection'],
    ['§6.9 WINDOW_UPDATE of the wrong length', raw(8, 0, 1, [0, 0, 1]), 'FRAME_SIZE_ERROR', 'connection'],
    ['§6.10 CONTINUATION on stream 0', raw(9, 0x4, 0, []), 'PROTOCOL_ERROR', 'connection'],
    [
      'RFC 9218 §7.1 PRIORITY_UPDATE on a stream',
      raw(0x10, 0, 1, [0, 0, 0, 1]),
      'PROTOCOL_ERROR',
      'connection',
    ],
    [
      'RFC 9218 §7.1 PRIORITY_UPDATE shorter than 4 octets',
      raw(0x10, 0, 0, [0, 0, 1]),
      'FRAME_SIZE_ERROR',
      'connection',
    ],
  ];
  for (const [name, bytes, code, scope] of cases) {
    it(`${name} ⇒ ${scope} ${code}`, () => {
      const e = failure(() => parseFrame(bytes));
      expect([e.code, e.scope]).toEqual([code, scope]);
    });
  }

  it('§6.1 padding is stripped: data is the view between pad-length octet and padding', () => {
    expect(parseFrame(raw(0, 0x9, 1, [2, 7, 8, 0, 0]))).toMatchObject({
      data: Uint8Array.of(7, 8),
      padLength: 2,
      endStream: true,
    });
  });

  it('§6.9 a WINDOW_UPDATE increment of 0 is parsed (the connection decides stream vs connection error)', () => {
    expect(parseFrame(raw(8, 0, 1, [0, 0, 0, 0]))).toMatchObject({
      type: 'WINDOW_UPDATE',
      windowSizeIncrement: 0,
    });
  });
});

describe('RFC 9113 §4.3, §6.10 field block assembly', () => {
  const headers = (endHeaders: boolean, fragment: number[]): Frame => ({
    type: 'HEADERS',
    streamId: 1,
    endStream: true,
    endHeaders,
    priority: undefined,
    padLength: undefined,
    fragment: Uint8Array.from(fragment),
  });
  const cont = (streamId: number, endHeaders: boolean, fragment: number[]): Frame => ({
    type: 'CONTINUATION',
    streamId,
    endHeaders,
    fragment: Uint8Array.from(fragment),
  });
  const assemble = (frames: Frame[], options = {}) => {
    const a = new FieldBlockAssembler(options);
    const out: AssembledFrame[] = [];
    for (const f of frames) a.push(f, (x) => out.push(x));
    return out;
  };

  it('joins HEADERS and CONTINUATION fragments into one block with the first frame flags', () => {
    expect(assemble([headers(false, [1, 2]), cont(1, false, [3]), cont(1, true, [4])])).toEqual([
      {
        type: 'HEADER_BLOCK',
        kind: 'HEADERS',
        streamId: 1,
        endStream: true,
        priority: undefined,
        promisedStreamId: 0,
        block: Uint8Array.of(1, 2, 3, 4),
      },
    ]);
  });

  it('any other frame between HEADERS and its END_HEADERS is a connection PROTOCOL_ERROR', () => {
    const ping: Frame = { type: 'PING', streamId: 0, ack: false, opaqueData: new Uint8Array(8) };
    expect(failure(() => assemble([headers(false, [1]), ping])).code).toBe('PROTOCOL_ERROR');
    expect(failure(() => assemble([headers(false, [1]), cont(3, true, [2])])).code).toBe('PROTOCOL_ERROR');
  });

  it('inBlock is true from a HEADERS without END_HEADERS until the CONTINUATION that ends the block', () => {
    const a = new FieldBlockAssembler();
    const out: AssembledFrame[] = [];
    expect(a.inBlock).toBe(false);
    a.push(headers(false, [1]), (x) => out.push(x));
    expect(a.inBlock).toBe(true);
    a.push(cont(1, false, [2]), (x) => out.push(x));
    expect([a.inBlock, out.length]).toEqual([true, 0]);
    a.push(cont(1, true, [3]), (x) => out.push(x));
    expect([a.inBlock, out.length]).toEqual([false, 1]);
  });

  it('a block refused at a bound is dropped: inBlock is false after the ENHANCE_YOUR_CALM', () => {
    const a = new FieldBlockAssembler({ maxContinuations: 0 });
    a.push(headers(false, [1]), () => {});
    expect(failure(() => a.push(cont(1, false, [2]), () => {})).code).toBe('ENHANCE_YOUR_CALM');
    expect(a.inBlock).toBe(false);
  });

  it('a CONTINUATION without a block to continue is a connection PROTOCOL_ERROR', () => {
    expect(failure(() => assemble([cont(1, true, [1])])).code).toBe('PROTOCOL_ERROR');
  });

  it('a CONTINUATION flood (never END_HEADERS) stops at the frame-count bound with ENHANCE_YOUR_CALM', () => {
    const frames = [headers(false, [1]), ...Array.from({ length: 9 }, () => cont(1, false, []))];
    const e = failure(() => assemble(frames, { maxContinuations: 8 }));
    expect([e.code, e.scope]).toEqual(['ENHANCE_YOUR_CALM', 'connection']);
  });

  it('a block growing past the size bound is refused with ENHANCE_YOUR_CALM before it is joined', () => {
    const big = Array.from({ length: 600 }, () => 0);
    const e = failure(() => assemble([headers(false, big), cont(1, false, big)], { maxBlockSize: 1000 }));
    expect(e.code).toBe('ENHANCE_YOUR_CALM');
  });

  it('isEncodedFieldBlock tells an assembled block from the frames it was assembled from', () => {
    const [block] = assemble([headers(true, [1])]) as [AssembledFrame];
    expect(isEncodedFieldBlock(block)).toBe(true);
    expect(isEncodedFieldBlock(headers(true, [1]))).toBe(false);
    expect(isEncodedFieldBlock(cont(1, true, [1]))).toBe(false);
  });

  it('the serializer splits a block into HEADERS + CONTINUATION by the peer max frame size, which reassemble to it', () => {
    const block = Uint8Array.from({ length: 40_000 }, (_, i) => i & 0xff);
    const bytes = encodeFrames(
      [
        {
          type: 'HEADER_BLOCK',
          kind: 'HEADERS',
          streamId: 5,
          endStream: false,
          priority: undefined,
          promisedStreamId: 0,
          block,
        },
      ],
      16_384,
    );
    const frames = split([bytes]);
    expect(frames.map((f) => f.type)).toEqual(['HEADERS', 'CONTINUATION', 'CONTINUATION']);
    const [out] = assemble(frames);
    expect(out).toMatchObject({ type: 'HEADER_BLOCK', streamId: 5, block });
  });
});
