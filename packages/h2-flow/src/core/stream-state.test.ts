import { describe, expect, it } from 'vitest';
import {
  closedStreamAnswer,
  isRefusal,
  type StreamInput,
  type StreamState,
  stepStream,
} from './stream-state.js';

const STATES: StreamState[] = [
  'idle',
  'reservedLocal',
  'reservedRemote',
  'open',
  'halfClosedLocal',
  'halfClosedRemote',
  'closed',
];
const INPUTS: StreamInput[] = [
  'sendHeaders',
  'recvHeaders',
  'sendData',
  'recvData',
  'sendEndStream',
  'recvEndStream',
  'sendPushPromise',
  'recvPushPromise',
  'sendRst',
  'recvRst',
  'sendWindowUpdate',
  'recvWindowUpdate',
];

/** The arrows of RFC 9113 §5.1 Figure 2 plus in-state inputs, written out independently of the table. */
const EXPECTED: Record<string, StreamState> = {
  'idle sendHeaders': 'open',
  'idle recvHeaders': 'open',
  'idle sendPushPromise': 'reservedLocal',
  'idle recvPushPromise': 'reservedRemote',
  'reservedLocal sendHeaders': 'halfClosedRemote',
  'reservedLocal sendRst': 'closed',
  'reservedLocal recvRst': 'closed',
  'reservedLocal recvWindowUpdate': 'reservedLocal',
  'reservedRemote recvHeaders': 'halfClosedLocal',
  'reservedRemote sendRst': 'closed',
  'reservedRemote recvRst': 'closed',
  'reservedRemote sendWindowUpdate': 'reservedRemote',
  'open sendHeaders': 'open',
  'open recvHeaders': 'open',
  'open sendData': 'open',
  'open recvData': 'open',
  'open sendEndStream': 'halfClosedLocal',
  'open recvEndStream': 'halfClosedRemote',
  'open sendRst': 'closed',
  'open recvRst': 'closed',
  'open sendWindowUpdate': 'open',
  'open recvWindowUpdate': 'open',
  'halfClosedLocal recvHeaders': 'halfClosedLocal',
  'halfClosedLocal recvData': 'halfClosedLocal',
  'halfClosedLocal recvEndStream': 'closed',
  'halfClosedLocal sendRst': 'closed',
  'halfClosedLocal recvRst': 'closed',
  'halfClosedLocal sendWindowUpdate': 'halfClosedLocal',
  'halfClosedLocal recvWindowUpdate': 'halfClosedLocal',
  'halfClosedRemote sendHeaders': 'halfClosedRemote',
  'halfClosedRemote sendData': 'halfClosedRemote',
  'halfClosedRemote sendEndStream': 'closed',
  'halfClosedRemote sendRst': 'closed',
  'halfClosedRemote recvRst': 'closed',
  'halfClosedRemote sendWindowUpdate': 'halfClosedRemote',
  'halfClosedRemote recvWindowUpdate': 'halfClosedRemote',
};

describe('RFC 9113 §5.1 transition table', () => {
  it('every (state, input) pair: the figure arrow, or the RFC error for that state', () => {
    for (const s of STATES) {
      for (const i of INPUTS) {
        const r = stepStream(s, i);
        const want = EXPECTED[`${s} ${i}`];
        if (want !== undefined) expect(r, `${s} ${i}`).toEqual({ next: want });
        else {
          expect(isRefusal(r), `${s} ${i}`).toBe(true);
          const code = s === 'halfClosedRemote' || s === 'closed' ? 'STREAM_CLOSED' : 'PROTOCOL_ERROR';
          expect(r, `${s} ${i}`).toMatchObject({
            code,
            scope: code === 'STREAM_CLOSED' ? 'stream' : 'connection',
          });
        }
      }
    }
  });

  it('closed streams answer late frames by how they closed (§5.1 closed, §6.1)', () => {
    expect(closedStreamAnswer('sentReset', 'DATA')).toBe('ignore');
    expect(closedStreamAnswer('recvReset', 'WINDOW_UPDATE')).toEqual({
      code: 'STREAM_CLOSED',
      scope: 'stream',
    });
    expect(closedStreamAnswer('recvReset', 'RST_STREAM')).toBe('ignore');
    expect(closedStreamAnswer('endStream', 'HEADERS')).toEqual({
      code: 'STREAM_CLOSED',
      scope: 'connection',
    });
    expect(closedStreamAnswer('endStream', 'WINDOW_UPDATE')).toBe('ignore');
    expect(closedStreamAnswer(undefined, 'DATA')).toEqual({ code: 'STREAM_CLOSED', scope: 'stream' });
    expect(closedStreamAnswer(undefined, 'HEADERS')).toEqual({ code: 'PROTOCOL_ERROR', scope: 'connection' });
    expect(closedStreamAnswer(undefined, 'RST_STREAM')).toBe('ignore');
  });
});
