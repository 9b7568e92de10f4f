import type { ErrorCodeName, ErrorScope } from '@h2tubes/h2-frames/core';

/** RFC 9113 §5.1 stream states. */
export type StreamState =
  | 'idle'
  | 'reservedLocal'
  | 'reservedRemote'
  | 'open'
  | 'halfClosedLocal'
  | 'halfClosedRemote'
  | 'closed';

/**
 * Inputs of the §5.1 machine. `*EndStream` is a frame that carries END_STREAM (HEADERS or DATA),
 * applied after its `*Headers`/`*Data` input; `*Data` is DATA without END_STREAM.
 */
export type StreamInput =
  | 'sendHeaders'
  | 'recvHeaders'
  | 'sendData'
  | 'recvData'
  | 'sendEndStream'
  | 'recvEndStream'
  | 'sendPushPromise'
  | 'recvPushPromise'
  | 'sendRst'
  | 'recvRst'
  | 'sendWindowUpdate'
  | 'recvWindowUpdate';

/** How a closed stream closed: it picks the RFC's answer to late frames (§5.1 "closed"). */
export type ClosedCause = 'endStream' | 'sentReset' | 'recvReset';

/** An allowed arrow: the next state. */
export interface Step {
  readonly next: StreamState;
}
/** A forbidden arrow with the RFC's answer (the code and whether the stream or connection fails). */
export interface Refusal {
  readonly code: ErrorCodeName;
  readonly scope: ErrorScope;
}

const to = (next: StreamState): Step => ({ next });
const connErr: Refusal = { code: 'PROTOCOL_ERROR', scope: 'connection' };
const streamClosed: Refusal = { code: 'STREAM_CLOSED', scope: 'stream' };

/*
 * RFC 9113 §5.1, Figure 2 (send: this endpoint sends; recv: it receives; ES: END_STREAM; R: RST_STREAM):
 *
 *                          +--------+
 *                  send PP |        | recv PP
 *                 ,--------+  idle  +--------.
 *                /         |        |         \
 *               v          +--------+          v
 *        +----------+          |           +----------+
 *        |          |          | send H /  |          |
 * ,------+ reserved |          | recv H    | reserved +------.
 * |      | (local)  |          |           | (remote) |      |
 * |      +---+------+          v           +------+---+      |
 * |          |             +--------+             |          |
 * |          |     recv ES |        | send ES     |          |
 * |   send H |     ,-------+  open  +-------.     | recv H   |
 * |          |    /        |        |        \    |          |
 * |          v   v         +---+----+         v   v          |
 * |      +----------+          |           +----------+      |
 * |      |   half-  |          |           |   half-  |      |
 * |      |  closed  |          | send R /  |  closed  |      |
 * |      | (remote) |          | recv R    | (local)  |      |
 * |      +----+-----+          |           +-----+----+      |
 * |           |                |                 |           |
 * |           | send ES /      |       recv ES / |           |
 * |           |  send R /      v        send R / |           |
 * |           |  recv R    +--------+   recv R   |           |
 * | send R /  `----------->|        |<-----------'  send R / |
 * | recv R                 | closed |               recv R   |
 * `----------------------->|        |<-----------------------'
 *                          +--------+
 *
 * One entry per arrow, plus the inputs a state allows without moving (DATA, WINDOW_UPDATE, trailers).
 * An absent entry is forbidden: the per-state `refuse` entry gives the RFC's error for received
 * frames (sending is application misuse, answered with H2UsageError by the caller).
 */
const STREAM_STEPS: {
  readonly [S in StreamState]: Partial<Record<StreamInput, Step>> & { readonly refuse: Refusal };
} = {
  // §5.1 idle: "Receiving any frame other than HEADERS or PRIORITY ... connection error PROTOCOL_ERROR".
  idle: {
    sendHeaders: to('open'),
    recvHeaders: to('open'),
    sendPushPromise: to('reservedLocal'),
    recvPushPromise: to('reservedRemote'),
    refuse: connErr,
  },
  // §5.1 reserved (local): only HEADERS, RST_STREAM, PRIORITY sent; WINDOW_UPDATE, RST_STREAM, PRIORITY received.
  reservedLocal: {
    sendHeaders: to('halfClosedRemote'),
    sendRst: to('closed'),
    recvRst: to('closed'),
    recvWindowUpdate: to('reservedLocal'),
    refuse: connErr,
  },
  reservedRemote: {
    recvHeaders: to('halfClosedLocal'),
    sendRst: to('closed'),
    recvRst: to('closed'),
    sendWindowUpdate: to('reservedRemote'),
    refuse: connErr,
  },
  open: {
    sendHeaders: to('open'),
    recvHeaders: to('open'),
    sendData: to('open'),
    recvData: to('open'),
    sendEndStream: to('halfClosedLocal'),
    recvEndStream: to('halfClosedRemote'),
    sendRst: to('closed'),
    recvRst: to('closed'),
    sendWindowUpdate: to('open'),
    recvWindowUpdate: to('open'),
    refuse: connErr,
  },
  // §5.1 half-closed (local): the peer may still send anything; we only WINDOW_UPDATE / RST_STREAM.
  halfClosedLocal: {
    recvHeaders: to('halfClosedLocal'),
    recvData: to('halfClosedLocal'),
    recvEndStream: to('closed'),
    sendRst: to('closed'),
    recvRst: to('closed'),
    sendWindowUpdate: to('halfClosedLocal'),
    recvWindowUpdate: to('halfClosedLocal'),
    refuse: connErr,
  },
  // §5.1 half-closed (remote): frames other than WINDOW_UPDATE, PRIORITY, RST_STREAM ⇒ stream error STREAM_CLOSED.
  halfClosedRemote: {
    sendHeaders: to('halfClosedRemote'),
    sendData: to('halfClosedRemote'),
    sendEndStream: to('closed'),
    sendRst: to('closed'),
    recvRst: to('closed'),
    sendWindowUpdate: to('halfClosedRemote'),
    recvWindowUpdate: to('halfClosedRemote'),
    refuse: streamClosed,
  },
  // §5.1 closed: the answer depends on how it closed (`closedStreamAnswer`); the table's is the default.
  closed: { refuse: streamClosed },
};

/**
 * One step of the §5.1 machine: the next state, or the RFC's refusal.
 *
 * @example
 * stepStream('open', 'recvEndStream');        // { next: 'halfClosedRemote' }
 * stepStream('halfClosedRemote', 'recvData'); // { code: 'STREAM_CLOSED', scope: 'stream' }
 */
export function stepStream(state: StreamState, input: StreamInput): Step | Refusal {
  const row = STREAM_STEPS[state];
  return row[input] ?? row.refuse;
}

/** Narrows a `stepStream` result. */
export function isRefusal(r: Step | Refusal): r is Refusal {
  return (r as Refusal).code !== undefined;
}

/** What a late frame on a closed stream gets, by how the stream closed. */
export type ClosedAnswer = 'ignore' | Refusal;

/**
 * RFC 9113 §5.1 "closed" and §6.1, for a frame received on a stream that is closed:
 * - we sent RST_STREAM: frames in flight are ignored (within the grace period);
 * - the peer sent RST_STREAM: anything but PRIORITY ⇒ stream error STREAM_CLOSED;
 * - closed by END_STREAM both ways: WINDOW_UPDATE / RST_STREAM may still arrive (ignored), other
 *   frames ⇒ connection error STREAM_CLOSED;
 * - forgotten (older than what we remember): DATA ⇒ stream error STREAM_CLOSED (§6.1), HEADERS ⇒
 *   connection error PROTOCOL_ERROR (§5.1.1: ids only increase), others ignored.
 *
 * @example
 * closedStreamAnswer('endStream', 'DATA'); // { code: 'STREAM_CLOSED', scope: 'connection' }
 */
export function closedStreamAnswer(
  cause: ClosedCause | undefined,
  frame: 'DATA' | 'HEADERS' | 'RST_STREAM' | 'WINDOW_UPDATE',
): ClosedAnswer {
  switch (cause) {
    case 'sentReset':
      return 'ignore';
    case 'recvReset':
      return frame === 'RST_STREAM' ? 'ignore' : streamClosed;
    case 'endStream':
      return frame === 'RST_STREAM' || frame === 'WINDOW_UPDATE'
        ? 'ignore'
        : { code: 'STREAM_CLOSED', scope: 'connection' };
    case undefined:
      if (frame === 'DATA') return streamClosed;
      if (frame === 'HEADERS') return connErr;
      return 'ignore';
  }
}
