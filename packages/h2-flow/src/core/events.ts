import type {
  DecodedFrame,
  ErrorCode,
  ErrorInitiator,
  FieldList,
  H2ProtocolError,
  RequestHead,
} from '@h2tubes/h2-frames/core';
import type { LimitName } from './limits.js';
import type { SettingName, SettingsValues } from './settings.js';

/**
 * What the connection core reports. One union, `kind` in the past tense, every event complete
 * when emitted (no fields filled in later). Bodies and header lists are views, not copies.
 */
export type ConnectionEvent =
  /** Server: a request's header section arrived and is well formed (RFC 9113 §8.3.1). */
  | {
      readonly kind: 'requestReceived';
      readonly streamId: number;
      readonly fields: FieldList;
      readonly head: RequestHead;
      readonly endStream: boolean;
    }
  /** Client: a response header section; `informational` for 1xx, which may repeat (§8.1). */
  | {
      readonly kind: 'responseReceived';
      readonly streamId: number;
      readonly status: number;
      readonly informational: boolean;
      readonly fields: FieldList;
      readonly endStream: boolean;
    }
  /** Trailers (they always end the stream, §8.1). */
  | { readonly kind: 'trailersReceived'; readonly streamId: number; readonly fields: FieldList }
  /**
   * Body bytes. `flowControlledLength` counts padding too (§6.9.1); the padding part is
   * returned at once, `data.length` octets stay on loan until `consume(streamId, n)`.
   */
  | {
      readonly kind: 'dataReceived';
      readonly streamId: number;
      readonly data: Uint8Array;
      readonly flowControlledLength: number;
      readonly endStream: boolean;
    }
  /**
   * We sent END_STREAM while the peer's side is still open (half-closed (local), RFC 9113 §5.1):
   * our message is complete, theirs is still arriving.
   */
  | { readonly kind: 'localEnded'; readonly streamId: number }
  /** The stream closed normally in both directions (END_STREAM sent and received). */
  | { readonly kind: 'streamEnded'; readonly streamId: number }
  /**
   * The stream was reset. `by: 'remote'` = RST_STREAM received; `'local'` = we reset it (the
   * application, or `error` when the peer broke a rule). `retryable` = the peer did not process
   * it (REFUSED_STREAM, or above a GOAWAY's last-stream-id, §8.7): safe to send again elsewhere.
   */
  | {
      readonly kind: 'streamReset';
      readonly streamId: number;
      readonly code: ErrorCode;
      readonly by: ErrorInitiator;
      readonly retryable: boolean;
      readonly error: H2ProtocolError | undefined;
    }
  /** Client: a queued request got its HEADERS on the wire; the tube layer may start its body. */
  | { readonly kind: 'requestSent'; readonly streamId: number }
  /** Client: a request refused with REFUSED_STREAM was sent again; `streamId` is its new id. */
  | { readonly kind: 'requestRetried'; readonly previousStreamId: number; readonly streamId: number }
  /**
   * The peer's SETTINGS were applied (and ACKed). Pipeline stages follow `changed`: maxFrameSize →
   * serializer split size, headerTableSize → HPACK encoder.
   */
  | {
      readonly kind: 'settingsChanged';
      readonly settings: SettingsValues;
      readonly changed: readonly SettingName[];
    }
  /**
   * The peer ACKed our SETTINGS; they are now in force. `changed`: maxFrameSize → frame splitter,
   * headerTableSize and maxHeaderListSize → HPACK decoder.
   */
  | {
      readonly kind: 'settingsAcknowledged';
      readonly settings: SettingsValues;
      readonly changed: readonly SettingName[];
    }
  /** An application PING (`ping(now)` returned `pingId`) came back. */
  | { readonly kind: 'pingAcknowledged'; readonly pingId: number; readonly rttMs: number }
  /** The peer sent GOAWAY: no new streams; ours above `lastStreamId` were reset retryable. */
  | {
      readonly kind: 'goawayReceived';
      readonly lastStreamId: number;
      readonly code: ErrorCode;
      readonly debugData: Uint8Array;
    }
  /** A WINDOW_UPDATE raised a send window (stream 0 = the connection's). */
  | { readonly kind: 'windowUpdated'; readonly streamId: number; readonly increment: number }
  /** The stream's pending-send buffer has room again: pull more body (see `wantsData`). */
  | { readonly kind: 'sendCapacityAvailable'; readonly streamId: number }
  /** RFC 9218: a stream's priority changed (PRIORITY_UPDATE). */
  | {
      readonly kind: 'priorityChanged';
      readonly streamId: number;
      readonly urgency: number;
      readonly incremental: boolean;
    }
  /** A limit tripped; the wire answer was already written. `streamId` 0 when connection-wide. */
  | { readonly kind: 'limitExceeded'; readonly limit: LimitName; readonly streamId: number }
  /**
   * The connection is over: after a connection error (either side), an immediate GOAWAY, or a
   * graceful shutdown whose last stream finished. The tube layer stops reading and ends the socket
   * once written frames are flushed.
   */
  | {
      readonly kind: 'connectionClosed';
      readonly code: ErrorCode;
      readonly initiator: ErrorInitiator;
      readonly error: H2ProtocolError | undefined;
    };

export type ConnectionEventKind = ConnectionEvent['kind'];

/**
 * Where the core writes. `frame` receives outbound frames in wire order (HEADERS as `FieldBlock`s,
 * for the pipeline to HPACK-encode); `event` receives what the application should know.
 *
 * @example
 * const sink: ConnectionSink = { frame: (f) => out.push(f), event: (e) => console.log(e.kind) };
 */
export interface ConnectionSink {
  frame(f: DecodedFrame): void;
  event(e: ConnectionEvent): void;
}
