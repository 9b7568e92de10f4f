import {
  H2UsageError,
  MAX_MAX_FRAME_SIZE,
  MAX_WINDOW_SIZE,
  MIN_MAX_FRAME_SIZE,
} from '@h2tubes/h2-frames/core';

/** Which end of the connection this core plays; read in few places (stream-id parity, push, idle default). */
export type Role = 'server' | 'client';

/**
 * Everything a `Connection` can be tuned with. Every field is optional except `role`; the
 * defaults follow DESIGN.md "Limits and their defaults" (numbers from nghttp2, Go x/net/http2, hyperium/h2).
 *
 * @example
 * const options: ConnectionOptions = { role: 'server', initialWindowSize: 1 << 20 };
 */
export interface ConnectionOptions {
  readonly role: Role;
  /** SETTINGS_INITIAL_WINDOW_SIZE we announce: each stream's receive window. Default 65 535 (RFC 9113 §6.5.2). */
  readonly initialWindowSize?: number;
  /** Our connection receive window; raised from 65 535 by a WINDOW_UPDATE at start. Default 1 MiB. */
  readonly connectionWindowSize?: number;
  /**
   * Receive-window auto-tuning cap: a stream whose consumer reads a whole window within about one
   * round trip gets its window doubled, up to this size (bandwidth-delay product). Default 16 MiB;
   * set it to `initialWindowSize` to turn growth off. The connection window grows with it.
   */
  readonly maxReceiveWindowSize?: number;
  /** Round-trip estimate used for auto-tuning before a PING measured one. Default 100 ms. */
  readonly assumedRttMs?: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS we announce and enforce (REFUSED_STREAM beyond). Default 100. */
  readonly maxConcurrentStreams?: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE we announce; the HPACK decoder enforces it. Default 65 536. */
  readonly maxHeaderListSize?: number;
  /** SETTINGS_HEADER_TABLE_SIZE we announce for our HPACK decoder. Default 4096. */
  readonly headerTableSize?: number;
  /** SETTINGS_MAX_FRAME_SIZE we announce. Default 16 384 (RFC 9113 §4.2). */
  readonly maxFrameSize?: number;
  /** RFC 8441 §3: announce SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (server). Default false. */
  readonly enableConnectProtocol?: boolean;
  /**
   * Bound of each stream's pending-send buffer, in octets. Default 64 KiB. A body being pulled may
   * read ahead past it by its share of the socket's room, no further than the windows let out now
   * (`wantsData(id, readAhead)`); `sendData` past both throws.
   */
  readonly sendBufferSize?: number;
  /** Preface + first SETTINGS from the peer must arrive within this. Default 10 s. */
  readonly prefaceTimeoutMs?: number;
  /** Our SETTINGS must be ACKed within this (RFC 9113 §6.5.3). Default 10 s. */
  readonly settingsTimeoutMs?: number;
  /** Send a keepalive PING after this much silence from the peer; 0 = off. Default 0. */
  readonly keepaliveIntervalMs?: number;
  /** Close the connection when a keepalive PING is not answered within this. Default 20 s. */
  readonly keepaliveTimeoutMs?: number;
  /** Graceful GOAWAY after this long without open streams; 0 = off. Default 5 min (server), 0 (client). */
  readonly idleTimeoutMs?: number;
  /**
   * Server: a request body with no DATA (padding counts, empty frames do not) for this long is
   * answered with 408 (or RST_STREAM once a response started) (`request-body-timeouts.ts`; nginx's
   * client_body_timeout). The clock stops while our receive window is exhausted. 0 = off. Default 60 s.
   */
  readonly requestBodyTimeoutMs?: number;
  /**
   * Server: the lowest average rate of a request body, in octets/s, checked once
   * `minRequestBodyRateGraceMs` of its time has run (Kestrel's MinRequestBodyDataRate); same answer
   * and same pauses as `requestBodyTimeoutMs`. 0 = off. Default 240.
   */
  readonly minRequestBodyRate?: number;
  /** Server: how long a request body may run below `minRequestBodyRate` at first. Default 5 s. */
  readonly minRequestBodyRateGraceMs?: number;
  /** Frames on a stream we reset are ignored for this long (RFC 9113 §5.1 "closed"). Default 10 s. */
  readonly resetGraceMs?: number;
  /** CVE-2023-44487 rapid reset: streams the peer opens then resets, bucket burst. Default 1000. */
  readonly rapidResetBurst?: number;
  /** Rapid reset bucket refill per second. Default 33. */
  readonly rapidResetRefillPerSecond?: number;
  /**
   * Control-frame answers (PING/SETTINGS ACK, RST_STREAM) owed to the peer: at most this many
   * written but not yet flushed, and at most this many at once plus a tenth of it per second
   * (`ControlAnswers`). Default 10 000.
   */
  readonly maxQueuedControlFrames?: number;
  /** Empty DATA frames without END_STREAM per stream (CVE-2019-9518). Default 100. */
  readonly maxEmptyDataFrames?: number;
  /** Streams we reset because the peer broke a rule, per connection. Default 1024. */
  readonly maxLocalResets?: number;
  /** Closed streams remembered to pick the RFC's answer for late frames. Default 1024. */
  readonly maxClosedStreams?: number;
  /** Client: times a request refused with REFUSED_STREAM is retried on a new stream. Default 3. */
  readonly maxRefusedRetries?: number;
}

/** The options with every default filled in; validated once at construction. */
export type ResolvedOptions = {
  readonly [K in keyof ConnectionOptions]-?: Exclude<ConnectionOptions[K], undefined>;
};

function int(name: string, v: number | undefined, dflt: number, min: number, max: number): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < min || x > max) {
    throw new H2UsageError(`option ${name} must be an integer in [${min}, ${max}], got ${String(x)}`);
  }
  return x;
}

const U32 = 0xffff_ffff;
const DAY = 86_400_000;

/**
 * Fills defaults and validates ranges (RFC 9113 §6.5.2 for the SETTINGS values).
 *
 * @example
 * resolveOptions({ role: 'client' }).idleTimeoutMs; // 0
 */
export function resolveOptions(o: ConnectionOptions): ResolvedOptions {
  if (o.role !== 'server' && o.role !== 'client') throw new H2UsageError(`role must be 'server' or 'client'`);
  const initialWindowSize = int('initialWindowSize', o.initialWindowSize, 65_535, 0, MAX_WINDOW_SIZE);
  return {
    role: o.role,
    initialWindowSize,
    connectionWindowSize: int(
      'connectionWindowSize',
      o.connectionWindowSize,
      1 << 20,
      65_535,
      MAX_WINDOW_SIZE,
    ),
    maxReceiveWindowSize: int(
      'maxReceiveWindowSize',
      o.maxReceiveWindowSize,
      Math.max(16 << 20, initialWindowSize),
      initialWindowSize,
      MAX_WINDOW_SIZE,
    ),
    assumedRttMs: int('assumedRttMs', o.assumedRttMs, 100, 0, DAY),
    maxConcurrentStreams: int('maxConcurrentStreams', o.maxConcurrentStreams, 100, 0, U32),
    maxHeaderListSize: int('maxHeaderListSize', o.maxHeaderListSize, 65_536, 0, U32),
    headerTableSize: int('headerTableSize', o.headerTableSize, 4096, 0, U32),
    maxFrameSize: int(
      'maxFrameSize',
      o.maxFrameSize,
      MIN_MAX_FRAME_SIZE,
      MIN_MAX_FRAME_SIZE,
      MAX_MAX_FRAME_SIZE,
    ),
    enableConnectProtocol: o.enableConnectProtocol ?? false,
    sendBufferSize: int('sendBufferSize', o.sendBufferSize, 64 * 1024, 1, MAX_WINDOW_SIZE),
    prefaceTimeoutMs: int('prefaceTimeoutMs', o.prefaceTimeoutMs, 10_000, 0, DAY),
    settingsTimeoutMs: int('settingsTimeoutMs', o.settingsTimeoutMs, 10_000, 0, DAY),
    keepaliveIntervalMs: int('keepaliveIntervalMs', o.keepaliveIntervalMs, 0, 0, DAY),
    keepaliveTimeoutMs: int('keepaliveTimeoutMs', o.keepaliveTimeoutMs, 20_000, 1, DAY),
    idleTimeoutMs: int('idleTimeoutMs', o.idleTimeoutMs, o.role === 'server' ? 300_000 : 0, 0, DAY),
    requestBodyTimeoutMs: int('requestBodyTimeoutMs', o.requestBodyTimeoutMs, 60_000, 0, DAY),
    minRequestBodyRate: int('minRequestBodyRate', o.minRequestBodyRate, 240, 0, U32),
    minRequestBodyRateGraceMs: int('minRequestBodyRateGraceMs', o.minRequestBodyRateGraceMs, 5_000, 0, DAY),
    resetGraceMs: int('resetGraceMs', o.resetGraceMs, 10_000, 0, DAY),
    rapidResetBurst: int('rapidResetBurst', o.rapidResetBurst, 1000, 1, U32),
    rapidResetRefillPerSecond: int('rapidResetRefillPerSecond', o.rapidResetRefillPerSecond, 33, 0, U32),
    maxQueuedControlFrames: int('maxQueuedControlFrames', o.maxQueuedControlFrames, 10_000, 1, U32),
    maxEmptyDataFrames: int('maxEmptyDataFrames', o.maxEmptyDataFrames, 100, 0, U32),
    maxLocalResets: int('maxLocalResets', o.maxLocalResets, 1024, 1, U32),
    maxClosedStreams: int('maxClosedStreams', o.maxClosedStreams, 1024, 0, U32),
    maxRefusedRetries: int('maxRefusedRetries', o.maxRefusedRetries, 3, 0, 100),
  };
}
