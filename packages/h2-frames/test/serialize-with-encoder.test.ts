import { from, lastValueFrom, type Observable, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  type DecodedFrame,
  encodeHpack,
  FrameSerializerSettings,
  HpackEncoder,
  serializeFrames,
} from '../src/index.js';

const frames: DecodedFrame[] = [
  {
    type: 'FIELD_BLOCK',
    kind: 'HEADERS',
    streamId: 1,
    endStream: false,
    priority: undefined,
    promisedStreamId: 0,
    fields: [
      { name: ':status', value: '200' },
      { name: 'content-type', value: 'text/plain' },
    ],
    oversized: false,
  },
  { type: 'DATA', streamId: 1, endStream: false, padLength: undefined, data: new Uint8Array([104, 105]) },
  {
    type: 'FIELD_BLOCK',
    kind: 'HEADERS',
    streamId: 1,
    endStream: true,
    priority: undefined,
    promisedStreamId: 0,
    fields: [{ name: 'content-type', value: 'text/plain' }], // indexed: the table is shared
    oversized: false,
  },
];

const bytes = async (o: Observable<Uint8Array>): Promise<Buffer> =>
  Buffer.concat(await lastValueFrom(o.pipe(toArray())));

describe('serializeFrames with an HPACK encoder', () => {
  it('writes the octets encodeHpack → serializeFrames write, through one encoding context', async () => {
    const fused = await bytes(
      from(frames).pipe(serializeFrames(new FrameSerializerSettings(), new HpackEncoder())),
    );
    const separate = await bytes(
      from(frames).pipe(encodeHpack(new HpackEncoder()), serializeFrames(new FrameSerializerSettings())),
    );
    expect(fused.length).toBeGreaterThan(0);
    expect(fused).toEqual(separate);
  });

  it('fails the flow on a decoded field block when it has no encoder', async () => {
    const noEncoder = serializeFrames() as unknown as (o: Observable<DecodedFrame>) => Observable<Uint8Array>;
    await expect(bytes(from(frames).pipe(noEncoder))).rejects.toThrow(/HpackEncoder/);
  });
});
