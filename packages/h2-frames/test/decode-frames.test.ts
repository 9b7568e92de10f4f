import fc from 'fast-check';
import { from, type Observable, type OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  assembleFieldBlocks,
  CONNECTION_PREFACE,
  type DecodedFrame,
  decodeFieldBlock,
  decodeFrames,
  decodeHpack,
  encodeFrames,
  FrameSplitter,
  type H2ProtocolError,
  HpackDecoder,
  HpackEncoder,
  parseFrames,
  splitFrames,
} from '../src/index.js';
import { anyFrame, chunk } from './frame-arbitraries.js';

/** Everything an Observable says, synchronously: its values, then how it ended. */
function notifications<T>(source: Observable<T>): unknown[] {
  const seen: unknown[] = [];
  source.subscribe({
    next: (v) => seen.push(v),
    error: (e: H2ProtocolError) => seen.push({ error: e.message, code: e.code }),
    complete: () => seen.push('complete'),
  });
  return seen;
}

type Chain = (onStreamError: (e: H2ProtocolError) => void) => OperatorFunction<Uint8Array, DecodedFrame>;

const separate: Chain = (onStreamError) => (bytes) =>
  bytes.pipe(
    splitFrames(new FrameSplitter({ expectPreface: true })),
    parseFrames(onStreamError),
    assembleFieldBlocks({ maxBlockSize: 4096 }),
    decodeHpack(new HpackDecoder({ maxHeaderListSize: 1024 })),
  );

const fused: Chain = (onStreamError) =>
  decodeFrames({
    splitter: new FrameSplitter({ expectPreface: true }),
    decoder: new HpackDecoder({ maxHeaderListSize: 1024 }),
    fieldBlock: { maxBlockSize: 4096 },
    onStreamError,
  });

function run(chain: Chain, chunks: Uint8Array[]): unknown[] {
  const streamErrors: unknown[] = [];
  const seen = notifications(from(chunks).pipe(chain((e) => streamErrors.push(e.message))));
  return [...seen, { streamErrors }];
}

describe('decodeFrames: the four inbound stages as one operator', () => {
  it('says what splitFrames → parseFrames → assembleFieldBlocks → decodeHpack say, for any frames in any chunks', () => {
    fc.assert(
      fc.property(
        fc.array(anyFrame, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (frames, cuts) => {
          const wire = new Uint8Array([...CONNECTION_PREFACE, ...encodeFrames(frames)]);
          const chunks = chunk(wire, cuts);
          expect(run(fused, chunks)).toEqual(run(separate, chunks));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodes header blocks across CONTINUATION through the one HPACK context, in order', () => {
    const encoder = new HpackEncoder();
    const block = encoder.encode([
      { name: ':method', value: 'GET' },
      { name: 'x-long', value: 'v'.repeat(40) },
    ]);
    const wire = encodeFrames([
      {
        type: 'HEADERS',
        streamId: 1,
        endStream: true,
        endHeaders: false,
        priority: undefined,
        padLength: undefined,
        fragment: block.subarray(0, 10),
      },
      { type: 'CONTINUATION', streamId: 1, endHeaders: true, fragment: block.subarray(10) },
      { type: 'PING', streamId: 0, ack: false, opaqueData: new Uint8Array(8) },
    ]);
    const seen = notifications(from(chunk(wire, [3, 20])).pipe(decodeFrames()));
    expect(seen).toEqual([
      expect.objectContaining({
        type: 'FIELD_BLOCK',
        streamId: 1,
        endStream: true,
        fields: [
          { name: ':method', value: 'GET' },
          { name: 'x-long', value: 'v'.repeat(40) },
        ],
      }),
      expect.objectContaining({ type: 'PING', ack: false }),
      'complete',
    ]);
  });

  it('fails with PROTOCOL_ERROR on a truncated frame at the end, as splitFrames does', () => {
    const wire = encodeFrames([{ type: 'PING', streamId: 0, ack: false, opaqueData: new Uint8Array(8) }]);
    const seen = notifications(from([wire.subarray(0, 12)]).pipe(decodeFrames()));
    expect(seen).toEqual([{ error: expect.any(String), code: 'PROTOCOL_ERROR' }]);
  });
});

describe('decodeFieldBlock (the HPACK step, for a pipeline driven by hand)', () => {
  it('decodes a field block with the context it is given and passes any other frame as it is', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const fields = [
      { name: ':status', value: '200' },
      { name: 'x-seen', value: 'twice' },
    ];
    const ping = { type: 'PING', ack: false, data: new Uint8Array(8) } as const;
    expect(decodeFieldBlock(decoder, ping as unknown as Parameters<typeof decodeFieldBlock>[1])).toBe(ping);
    for (let i = 0; i < 2; i++) {
      // The second block refers to the dynamic table the first one filled: one context, in order.
      const block = encoder.encode(fields);
      const out = decodeFieldBlock(decoder, {
        type: 'HEADER_BLOCK',
        kind: 'HEADERS',
        streamId: 1 + 2 * i,
        endStream: true,
        priority: undefined,
        promisedStreamId: undefined,
        block,
      } as unknown as Parameters<typeof decodeFieldBlock>[1]);
      expect(out).toMatchObject({ type: 'FIELD_BLOCK', streamId: 1 + 2 * i, endStream: true, fields });
    }
  });
});
