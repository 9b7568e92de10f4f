import { type Clock, Closing } from './closing.js';
import { ConnectionTimers } from './connection-timers.js';
import { ConnectionWiring } from './connection-wiring.js';
import { ControlAnswers } from './control-answers.js';
import { CreditReturn } from './credit-return.js';
import type { ConnectionSink } from './events.js';
import { FlowWindow } from './flow-window.js';
import { GoawayAndShutdown } from './goaway-and-shutdown.js';
import { Budget, TokenBucket } from './limits.js';
import type { ResolvedOptions } from './options.js';
import { PingAndKeepalive } from './ping-and-keepalive.js';
import { ReceiveCredit } from './receive-credit.js';
import { ReceivePath } from './receive-path.js';
import { UnreadBodyFence } from './request-body-discard.js';
import { RequestBodyTimeouts } from './request-body-timeouts.js';
import { RequestQueueAndRetry } from './request-queue-and-retry.js';
import { SendPath } from './send-path.js';
import { SendScheduler } from './send-scheduler.js';
import { SettingsExchange } from './settings-exchange.js';
import type { H2Stream } from './stream.js';
import { StreamRegistry } from './stream-registry.js';

/** RFC 9113 §6.9.2: the connection window starts at 65 535 whatever the settings say. */
export const INITIAL_CONNECTION_WINDOW = 65_535;

/** The units a `Connection` is made of; only the `Connection` holds them all. */
export interface ConnectionParts {
  readonly clock: Clock;
  /** The sink's callbacks, counted in `sinkDepth`. */
  readonly sink: Pick<ConnectionWiring, 'frame' | 'emit' | 'sinkDepth'>;
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
  /** Makes stream records: `newStream` gives one with the windows of the settings in force, registered. */
  readonly streams: Pick<ConnectionWiring, 'newStream'>;
}

/**
 * Builds the units and wires each to the narrow parts it needs (a frame writer, an event emitter,
 * the registry, the closing rules, a callback or two), never to the whole connection: all of them
 * through one `ConnectionWiring`, which each unit sees as its own `...Parts` interface.
 */
export function assembleConnection(o: ResolvedOptions, sink: ConnectionSink): ConnectionParts {
  const w = new ConnectionWiring(o, sink);
  w.connSend = new FlowWindow(INITIAL_CONNECTION_WINDOW);
  w.scheduler = new SendScheduler<H2Stream>();
  w.registry = new StreamRegistry(o.role, o.maxClosedStreams);
  w.pings = new PingAndKeepalive(w, o.assumedRttMs, o.keepaliveIntervalMs, o.keepaliveTimeoutMs);
  w.connRecv = new ReceiveCredit(
    o.connectionWindowSize,
    INITIAL_CONNECTION_WINDOW,
    Math.max(o.connectionWindowSize, o.maxReceiveWindowSize),
    0,
  );
  w.credit = new CreditReturn(w.connRecv, w, w.clock, w.pings, w);
  w.controlAnswers = new ControlAnswers(o.maxQueuedControlFrames, 0);
  w.localResets = new Budget(o.maxLocalResets);
  w.rapidResets = new TokenBucket(o.rapidResetBurst, o.rapidResetRefillPerSecond, 0);
  w.closing = new Closing(w);
  w.unreadBodies = new UnreadBodyFence(w);
  w.bodyTimeouts = new RequestBodyTimeouts(w);
  w.send = new SendPath(w);
  w.settings = new SettingsExchange(w);
  w.requests = new RequestQueueAndRetry(w);
  w.shutdown = new GoawayAndShutdown(w);
  w.inbound = new ReceivePath(w);
  return {
    unreadBodies: w.unreadBodies,
    timers: new ConnectionTimers(w),
    bodyTimeouts: w.bodyTimeouts,
    clock: w.clock,
    sink: w,
    connSend: w.connSend,
    scheduler: w.scheduler,
    registry: w.registry,
    pings: w.pings,
    credit: w.credit,
    controlAnswers: w.controlAnswers,
    closing: w.closing,
    settings: w.settings,
    send: w.send,
    requests: w.requests,
    shutdown: w.shutdown,
    inbound: w.inbound,
    streams: w,
  };
}
