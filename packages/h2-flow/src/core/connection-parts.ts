import { Closing } from './closing.js';
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

/**
 * The units a `Connection` is made of, as it sees them: the `ConnectionWiring` they are wired
 * through, which holds them all, and its sink (`frame`, `emit`, counted in `sinkDepth`) and
 * `newStream`.
 */
export type ConnectionParts = Pick<
  ConnectionWiring,
  | 'clock'
  | 'frame'
  | 'emit'
  | 'sinkDepth'
  | 'newStream'
  | 'connSend'
  | 'scheduler'
  | 'registry'
  | 'pings'
  | 'credit'
  | 'controlAnswers'
  | 'closing'
  | 'settings'
  | 'send'
  | 'requests'
  | 'shutdown'
  | 'inbound'
  | 'timers'
  | 'bodyTimeouts'
  | 'unreadBodies'
>;

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
  w.timers = new ConnectionTimers(w);
  return w;
}
