import type { DecodedFrame } from '@h2tubes/h2-frames/core';
import { type Clock, Closing } from './closing.js';
import { ConnectionTimers } from './connection-timers.js';
import { ControlAnswers } from './control-answers.js';
import { CreditReturn } from './credit-return.js';
import type { ConnectionEvent, ConnectionSink } from './events.js';
import { FlowWindow } from './flow-window.js';
import { GoawayAndShutdown } from './goaway-and-shutdown.js';
import { Budget, TokenBucket } from './limits.js';
import type { ResolvedOptions } from './options.js';
import { PingAndKeepalive } from './ping-and-keepalive.js';
import { DEFAULT_URGENCY, type Priority } from './priority.js';
import { ReceiveCredit } from './receive-credit.js';
import { ReceivePath } from './receive-path.js';
import { UnreadBodyFence } from './request-body-discard.js';
import { RequestBodyTimeouts } from './request-body-timeouts.js';
import { RequestQueueAndRetry } from './request-queue-and-retry.js';
import { SendPath } from './send-path.js';
import { SendScheduler } from './send-scheduler.js';
import { SettingsExchange } from './settings-exchange.js';
import { H2Stream } from './stream.js';
import { StreamRegistry } from './stream-registry.js';

/** RFC 9113 §6.9.2: the connection window starts at 65 535 whatever the settings say. */
export const INITIAL_CONNECTION_WINDOW = 65_535;

/** The units a `Connection` is made of; only the `Connection` holds them all. */
export interface ConnectionParts {
  readonly clock: Clock;
  /** How deep we are inside the sink's callbacks (0: the caller is not called back by us). */
  readonly inSink: { depth: number };
  /** The sink's callbacks, counted in `inSink`. */
  readonly frame: (f: DecodedFrame) => void;
  readonly emit: (e: ConnectionEvent) => void;
  readonly connSend: FlowWindow;
  readonly scheduler: SendScheduler<H2Stream>;
  readonly registry: StreamRegistry;
  readonly pings: PingAndKeepalive;
  readonly credit: CreditReturn;
  readonly controlAnswers: ControlAnswers;
  readonly closing: Closing;
  readonly settings: SettingsExchange;
  readonly send: SendPath;
  readonly requests: RequestQueueAndRetry;
  readonly shutdown: GoawayAndShutdown;
  readonly inbound: ReceivePath;
  readonly timers: ConnectionTimers;
  readonly bodyTimeouts: RequestBodyTimeouts;
  readonly unreadBodies: UnreadBodyFence;
  /** A new stream record with the windows of the settings in force, registered. */
  readonly newStream: (id: number, peerInitiated: boolean, pri: Priority | undefined) => H2Stream;
}

/**
 * Builds the units and wires each to the narrow parts it needs (a frame writer, an event emitter,
 * the registry, the closing rules, a callback or two), never to the whole connection.
 */
export function assembleConnection(o: ResolvedOptions, sink: ConnectionSink): ConnectionParts {
  const inSink = { depth: 0 };
  const frame = (f: DecodedFrame): void => {
    inSink.depth++;
    try {
      sink.frame(f);
    } finally {
      inSink.depth--;
    }
  };
  const emit = (e: ConnectionEvent): void => {
    inSink.depth++;
    try {
      sink.event(e);
    } finally {
      inSink.depth--;
    }
  };
  const clock: Clock = { now: 0 };
  const connSend = new FlowWindow(INITIAL_CONNECTION_WINDOW);
  const scheduler = new SendScheduler<H2Stream>();
  const registry = new StreamRegistry(o.role, o.maxClosedStreams);
  const pings = new PingAndKeepalive(
    {
      write: frame,
      answer: (f) => closing.answer(f),
      emit,
      goawayPingAcknowledged: () => shutdown!.pingAcknowledged(),
      unreadBodyPingAcknowledged: () => unreadBodies.acknowledged(),
    },
    o.assumedRttMs,
    o.keepaliveIntervalMs,
    o.keepaliveTimeoutMs,
  );
  const connRecv = new ReceiveCredit(
    o.connectionWindowSize,
    INITIAL_CONNECTION_WINDOW,
    Math.max(o.connectionWindowSize, o.maxReceiveWindowSize),
    0,
  );
  let bodyTimeouts: RequestBodyTimeouts | undefined;
  const credit = new CreditReturn(connRecv, frame, clock, pings, {
    streamWindowChanged: (s) => bodyTimeouts!.windowChanged(s),
    connectionWindowChanged: () => bodyTimeouts!.connectionWindowChanged(),
  });
  const controlAnswers = new ControlAnswers(o.maxQueuedControlFrames, 0);
  // Units built below are reached through these late-bound callbacks.
  let requests: RequestQueueAndRetry | undefined;
  let shutdown: GoawayAndShutdown | undefined;
  let settings: SettingsExchange | undefined;
  const closing = new Closing({
    registry,
    scheduler,
    clock,
    frame,
    emit,
    returnCredit: (n) => credit.connection(n),
    controlAnswers,
    localResets: new Budget(o.maxLocalResets),
    resetGraceMs: o.resetGraceMs,
    streamClosed: () => {
      requests!.pump();
      shutdown!.checkDrained();
    },
    connectionClosed: () => requests!.clear(),
    responseEnded: (s) => unreadBodies.responseEnded(s),
  });
  const unreadBodies = new UnreadBodyFence({
    sendPing: () => pings.send('unreadBody', clock.now),
    stopBody: (s) => closing.stopUnreadBody(s),
  });
  bodyTimeouts = new RequestBodyTimeouts({ o, registry, connRecv, closing, clock, frame, emit });
  const clocks = bodyTimeouts;
  const newStream = (id: number, peerInitiated: boolean, pri: Priority | undefined): H2Stream => {
    const w = settings!.local.acked.initialWindowSize;
    const s = new H2Stream(
      id,
      peerInitiated,
      settings!.peer.initialWindowSize,
      new ReceiveCredit(w, w, Math.max(w, o.maxReceiveWindowSize), clock.now),
      pri?.urgency ?? DEFAULT_URGENCY,
      pri?.incremental ?? false,
    );
    registry.add(s);
    return s;
  };
  const send = new SendPath({
    scheduler,
    connSend,
    closing,
    frame,
    emit,
    peerMaxFrameSize: () => settings!.peer.maxFrameSize,
    sendBufferSize: o.sendBufferSize,
  });
  settings = new SettingsExchange({
    o,
    registry,
    closing,
    frame,
    emit,
    scheduleIfReady: (s) => send.scheduleIfReady(s),
    pump: () => requests!.pump(),
    recvWindowChanged: (s) => clocks.windowChanged(s),
  });
  const peerSettings = settings;
  requests = new RequestQueueAndRetry({
    registry,
    closing,
    frame,
    emit,
    peerMaxConcurrentStreams: () => peerSettings.peer.maxConcurrentStreams,
    newStream: (id, pri) => newStream(id, false, pri),
    afterEnqueue: (s) => send.afterEnqueue(s),
  });
  const queue = requests;
  shutdown = new GoawayAndShutdown({
    role: o.role,
    registry,
    closing,
    frame,
    emit,
    sendPing: (now) => pings.send('goaway', now),
    dropRequestQueue: () => queue.clear(),
    timeoutMs: o.settingsTimeoutMs,
  });
  const inbound = new ReceivePath({
    o,
    registry,
    closing,
    credit,
    send,
    scheduler,
    connSend,
    clock,
    frame,
    emit,
    rapidResets: new TokenBucket(o.rapidResetBurst, o.rapidResetRefillPerSecond, 0),
    requests,
    shutdown,
    bodyTimeouts: clocks,
    newStream,
  });
  const timers = new ConnectionTimers({
    o,
    settings,
    pings,
    shutdown,
    registry,
    closing,
    bodyTimeouts: clocks,
    frame,
    goaway: (now) => shutdown!.goaway(now, {}),
  });
  return {
    unreadBodies,
    timers,
    bodyTimeouts: clocks,
    clock,
    inSink,
    frame,
    emit,
    connSend,
    scheduler,
    registry,
    pings,
    credit,
    controlAnswers,
    closing,
    settings,
    send,
    requests,
    shutdown,
    inbound,
    newStream,
  };
}
