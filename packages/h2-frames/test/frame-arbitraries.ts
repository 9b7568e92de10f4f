import fc from 'fast-check';
import type { Frame, PrioritySpec } from '../src/index.js';

const streamId = fc.integer({ min: 1, max: 0x7fff_ffff });
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const pad = fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined });
const priority: fc.Arbitrary<PrioritySpec> = fc.record({
  exclusive: fc.boolean(),
  dependency: fc.integer({ min: 0, max: 0x7fff_ffff }),
  weight: fc.integer({ min: 1, max: 256 }),
});
const code = fc.oneof(
  fc.constantFrom('NO_ERROR', 'PROTOCOL_ERROR', 'CANCEL', 'ENHANCE_YOUR_CALM' as const),
  fc.integer({ min: 14, max: 0xffff_ffff }),
);

/** Any valid wire frame (fields within RFC 9113 ranges), payloads ≤ 300 octets. */
export const anyFrame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    type: fc.constant('DATA' as const),
    streamId,
    endStream: fc.boolean(),
    data: bytes(300),
    padLength: pad,
  }),
  fc.record({
    type: fc.constant('HEADERS' as const),
    streamId,
    endStream: fc.boolean(),
    endHeaders: fc.boolean(),
    priority: fc.option(priority, { nil: undefined }),
    padLength: pad,
    fragment: bytes(300),
  }),
  fc.record({ type: fc.constant('PRIORITY' as const), streamId, priority }),
  fc.record({ type: fc.constant('RST_STREAM' as const), streamId, errorCode: code }),
  fc.record({
    type: fc.constant('SETTINGS' as const),
    streamId: fc.constant(0 as const),
    ack: fc.constant(false),
    settings: fc.array(
      fc.oneof(
        fc.record({ id: fc.constantFrom(1, 3, 6), value: fc.integer({ min: 0, max: 0xffff_ffff }) }),
        fc.record({ id: fc.constant(4), value: fc.integer({ min: 0, max: 0x7fff_ffff }) }),
        fc.record({ id: fc.constant(5), value: fc.integer({ min: 16_384, max: 16_777_215 }) }),
        fc.record({ id: fc.constantFrom(2, 8), value: fc.integer({ min: 0, max: 1 }) }),
        fc.record({
          id: fc.integer({ min: 10, max: 0xffff }),
          value: fc.integer({ min: 0, max: 0xffff_ffff }),
        }),
      ),
      { maxLength: 6 },
    ),
  }),
  fc.record({
    type: fc.constant('SETTINGS' as const),
    streamId: fc.constant(0 as const),
    ack: fc.constant(true),
    settings: fc.constant([]),
  }),
  fc.record({
    type: fc.constant('PUSH_PROMISE' as const),
    streamId,
    endHeaders: fc.boolean(),
    padLength: pad,
    promisedStreamId: streamId,
    fragment: bytes(200),
  }),
  fc.record({
    type: fc.constant('PING' as const),
    streamId: fc.constant(0 as const),
    ack: fc.boolean(),
    opaqueData: fc.uint8Array({ minLength: 8, maxLength: 8 }),
  }),
  fc.record({
    type: fc.constant('GOAWAY' as const),
    streamId: fc.constant(0 as const),
    lastStreamId: fc.integer({ min: 0, max: 0x7fff_ffff }),
    errorCode: code,
    debugData: bytes(100),
  }),
  fc.record({
    type: fc.constant('WINDOW_UPDATE' as const),
    streamId: fc.integer({ min: 0, max: 0x7fff_ffff }),
    windowSizeIncrement: fc.integer({ min: 0, max: 0x7fff_ffff }),
  }),
  fc.record({
    type: fc.constant('CONTINUATION' as const),
    streamId,
    endHeaders: fc.boolean(),
    fragment: bytes(300),
  }),
  fc.record({
    type: fc.constant('PRIORITY_UPDATE' as const),
    streamId: fc.constant(0 as const),
    prioritizedStreamId: streamId,
    priorityFieldValue: fc.stringMatching(/^[a-z0-9=, ]{0,20}$/),
  }),
  fc.record({
    type: fc.constant('UNKNOWN' as const),
    typeCode: fc.integer({ min: 0x11, max: 0xff }),
    flags: fc.integer({ min: 0, max: 0xff }),
    streamId: fc.integer({ min: 0, max: 0x7fff_ffff }),
    payload: bytes(200),
  }),
) as fc.Arbitrary<Frame>;

/** Cuts `bytes` into chunks at the given (sorted, deduplicated) positions. */
export function chunk(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}
