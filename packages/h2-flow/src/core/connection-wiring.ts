import type { DecodedFrame } from '@h2tubes/h2-frames/core';
import type { Clock, Closing, ClosingParts } from './closing.js';
import type { ConnectionTimers, TimerParts } from './connection-timers.js';
import type { ControlAnswers } from './control-answers.js';
import type { CreditReturn, ReceiveWindowWatch } from './credit-return.js';
import type { ConnectionEvent, ConnectionSink } from './events.js';
import type { FlowWindow } from './flow-window.js';
import type { GoawayAndShutdown, ShutdownParts } from './goaway-and-shutdown.js';
import type { Budget, TokenBucket } from './limits.js';
import type { ResolvedOptions, Role } from './options.js';
import type { PingAndKeepalive, PingParts } from './ping-and-keepalive.js';
import { DEFAULT_URGENCY, type Priority } from './priority.js';
import { ReceiveCredit } from './receive-credit.js';
import type { ReceivePath, ReceivePathParts } from './receive-path.js';
import type { UnreadBodyFence, UnreadBodyFenceParts } from './request-body-discard.js';
import type { RequestBodyTimeoutParts, RequestBodyTimeouts } from './request-body-timeouts.js';
import type { RequestQueueAndRetry, RequestQueueParts } from './request-queue-and-retry.js';
import type { SendPath, SendPathParts } from './send-path.js';
import type { SendScheduler } from './send-scheduler.js';
import type { SettingsExchange, SettingsExchangeParts } from './settings-exchange.js';
import { H2Stream } from './stream.js';
import type { StreamRegistry } from './stream-registry.js';

/**
 * The one object a connection's units are wired through: each unit holds it as its narrow
 * `...Parts` interface and sees only those members. The units are filled in as
 * `assembleConnection` builds them (some reach units built after them, hence the late fields);
 * every callback a unit needs is a method here that forwards to the unit that answers it.
 *
 * Why one object rather than a parts record per unit with a closure per callback: an idle
 * connection keeps all of them, and ten records, two dozen closures and their context came to
 * ~2.5 KB per connection; this is one object, its methods shared by all connections.
 */
export class ConnectionWiring
  implements
    ClosingParts,
    ReceivePathParts,
    SendPathParts,
    SettingsExchangeParts,
    ShutdownParts,
    RequestQueueParts,
    PingParts,
    RequestBodyTimeoutParts,
    UnreadBodyFenceParts,
    TimerParts,
    ReceiveWindowWatch
{
  readonly clock: Clock = { now: 0 };
  registry!: StreamRegistry;
  scheduler!: SendScheduler<H2Stream>;
  connSend!: FlowWindow;
  connRecv!: ReceiveCredit;
  controlAnswers!: ControlAnswers;
  localResets!: Budget;
  rapidResets!: TokenBucket;
  pings!: PingAndKeepalive;
  credit!: CreditReturn;
  closing!: Closing;
  unreadBodies!: UnreadBodyFence;
  bodyTimeouts!: RequestBodyTimeouts;
  send!: SendPath;
  settings!: SettingsExchange;
  requests!: RequestQueueAndRetry;
  shutdown!: GoawayAndShutdown;
  inbound!: ReceivePath;
  timers!: ConnectionTimers;

  /** How deep we are inside the sink's callbacks (0: the caller is not called back by us). */
  sinkDepth = 0;

  constructor(
    readonly o: ResolvedOptions,
    private readonly sink: ConnectionSink,
  ) {}

  /** Writes a frame: the sink's `frame`, counted in `sinkDepth`. */
  frame(f: DecodedFrame): void {
    this.sinkDepth++;
    try {
      this.sink.frame(f);
    } finally {
      this.sinkDepth--;
    }
  }

  /** Emits an event: the sink's `event`, counted in `sinkDepth`. */
  emit(e: ConnectionEvent): void {
    this.sinkDepth++;
    try {
      this.sink.event(e);
    } finally {
      this.sinkDepth--;
    }
  }

  get role(): Role {
    return this.o.role;
  }
  get resetGraceMs(): number {
    return this.o.resetGraceMs;
  }
  get sendBufferSize(): number {
    return this.o.sendBufferSize;
  }
  /** The graceful GOAWAY's second phase comes after this long without the PING ACK. */
  get timeoutMs(): number {
    return this.o.settingsTimeoutMs;
  }

  /** A new stream record with the windows of the settings in force, registered. */
  newStream(id: number, peerInitiated: boolean, pri: Priority | undefined): H2Stream {
    const w = this.settings.local.acked.initialWindowSize;
    const s = new H2Stream(
      id,
      peerInitiated,
      this.settings.peer.initialWindowSize,
      new ReceiveCredit(w, w, Math.max(w, this.o.maxReceiveWindowSize), this.clock.now),
      pri?.urgency ?? DEFAULT_URGENCY,
      pri?.incremental ?? false,
    );
    this.registry.add(s);
    return s;
  }
  newLocalStream(id: number, pri: Priority | undefined): H2Stream {
    return this.newStream(id, false, pri);
  }

  // PingAndKeepalive
  write(f: DecodedFrame): void {
    this.frame(f);
  }
  answer(f: DecodedFrame): void {
    this.closing.answer(f);
  }
  goawayPingAcknowledged(): void {
    this.shutdown.pingAcknowledged();
  }
  unreadBodyPingAcknowledged(): void {
    this.unreadBodies.acknowledged();
  }

  // CreditReturn, SettingsExchange
  streamWindowChanged(s: H2Stream): void {
    this.bodyTimeouts.windowChanged(s);
  }
  connectionWindowChanged(): void {
    this.bodyTimeouts.connectionWindowChanged();
  }

  // Closing
  returnCredit(n: number): void {
    this.credit.connection(n);
  }
  streamClosed(): void {
    this.requests.pump();
    this.shutdown.checkDrained();
  }
  connectionClosed(): void {
    this.requests.clear();
  }
  responseEnded(s: H2Stream): void {
    this.unreadBodies.responseEnded(s);
  }

  // UnreadBodyFence
  sendUnreadBodyPing(): void {
    this.pings.send('unreadBody', this.clock.now);
  }
  stopBody(s: H2Stream): void {
    this.closing.stopUnreadBody(s);
  }

  // SendPath
  peerMaxFrameSize(): number {
    return this.settings.peer.maxFrameSize;
  }

  // SettingsExchange
  scheduleIfReady(s: H2Stream): void {
    this.send.scheduleIfReady(s);
  }
  pump(): void {
    this.requests.pump();
  }

  // RequestQueueAndRetry
  peerMaxConcurrentStreams(): number {
    return this.settings.peer.maxConcurrentStreams;
  }
  afterEnqueue(s: H2Stream): void {
    this.send.afterEnqueue(s);
  }

  // GoawayAndShutdown
  sendGoawayPing(now: number): void {
    this.pings.send('goaway', now);
  }
  dropRequestQueue(): void {
    this.requests.clear();
  }

  // ConnectionTimers
  goaway(now: number): void {
    this.shutdown.goaway(now, {});
  }
}
