import { describe, expect, it } from 'vitest';
import { describeFrame } from './describe-frame.js';

describe('describeFrame (nghttp -v style)', () => {
  it('prints SETTINGS with each entry named', () => {
    expect(
      describeFrame({
        type: 'SETTINGS',
        streamId: 0,
        ack: false,
        settings: [
          { id: 3, value: 100 },
          { id: 4, value: 65_535 },
          { id: 0x99, value: 1 },
        ],
      }),
    ).toEqual([
      'SETTINGS frame <length=18, flags=0x00, stream_id=0>',
      '          (niv=3)',
      '          [SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100]',
      '          [SETTINGS_INITIAL_WINDOW_SIZE(0x04):65535]',
      '          [UNKNOWN(0x99):1]',
    ]);
  });

  it('counts padding in the length and names the flags', () => {
    expect(
      describeFrame({ type: 'DATA', streamId: 3, endStream: true, padLength: 4, data: new Uint8Array(10) }),
    ).toEqual([
      'DATA frame <length=15, flags=0x09, stream_id=3>',
      '          ; END_STREAM | PADDED',
      '          (padlen=4)',
    ]);
  });

  it('prints HEADERS priority, PING ACK, GOAWAY and RST_STREAM fields', () => {
    expect(
      describeFrame({
        type: 'HEADERS',
        streamId: 5,
        endStream: false,
        endHeaders: true,
        priority: { exclusive: true, dependency: 3, weight: 32 },
        padLength: undefined,
        fragment: new Uint8Array(7),
      }),
    ).toEqual([
      'HEADERS frame <length=12, flags=0x24, stream_id=5>',
      '          ; END_HEADERS | PRIORITY',
      '          (padlen=0, dep_stream_id=3, weight=32, exclusive=1)',
    ]);
    expect(
      describeFrame({
        type: 'PING',
        streamId: 0,
        ack: true,
        opaqueData: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
      }),
    ).toEqual([
      'PING frame <length=8, flags=0x01, stream_id=0>',
      '          ; ACK',
      '          (opaque_data=0102030405060708)',
    ]);
    expect(
      describeFrame({
        type: 'GOAWAY',
        streamId: 0,
        lastStreamId: 7,
        errorCode: 'ENHANCE_YOUR_CALM',
        debugData: new TextEncoder().encode('slow down'),
      }),
    ).toEqual([
      'GOAWAY frame <length=17, flags=0x00, stream_id=0>',
      '          (last_stream_id=7, error_code=ENHANCE_YOUR_CALM, opaque_data(9)=[slow down])',
    ]);
    expect(describeFrame({ type: 'RST_STREAM', streamId: 9, errorCode: 'CANCEL' })).toEqual([
      'RST_STREAM frame <length=4, flags=0x00, stream_id=9>',
      '          (error_code=CANCEL)',
    ]);
  });
});
