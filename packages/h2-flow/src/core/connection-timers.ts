import type { DecodedFrame } from '@h2tubes/h2-frames/core';
import type { Closing } from './closing.js';
import type { GoawayAndShutdown } from './goaway-and-shutdown.js';
import type { ResolvedOptions } from './options.js';
import * as out from './outbound-frames.js';
import type { PingAndKeepalive } from './ping-and-keepalive.js';
import type { RequestBodyTimeouts } from './request-body-timeouts.js';
import type { SettingsExchange } from './settings-exchange.js';
import type { StreamRegistry } from './stream-registry.js';

const encoder = new TextEncoder();

/** The units whose timers `tick` checks. */
export interface TimerParts {
  readonly o: ResolvedOptions;
  readonly settings: SettingsExchange;
  readonly pings: PingAndKeepalive;
  readonly shutdown: GoawayAndShutdown;
  readonly registry: StreamRegistry;
  readonly closing: Closing;
  readonly bodyTimeouts: RequestBodyTimeouts;
  readonly frame: (f: DecodedFrame) => void;
  /** The graceful GOAWAY the idle timeout starts. */
  readonly goaway: (now: number) => void;
}

/**
 * The connection's timers, time passed in: the peer's preface (RFC 9113 §3.4) and the ACK of our
 * SETTINGS (§6.5.3) → GOAWAY SETTINGS_TIMEOUT; the keepalive PING → close when unanswered; the
 * second phase of a graceful GOAWAY (§6.8); the idle timeout → graceful GOAWAY; request bodies
 * that stall or crawl → 408 / RST_STREAM on their stream (`request-body-timeouts.ts`).
 */
export class ConnectionTimers {
  /** When `start` ran, or -1 before. */
  startedAt = -1;

  constructor(private readonly p: TimerParts) {}

  tick(now: number): void {
    const { p } = this;
    const c = p.closing;
    const timeout = p.settings.timedOut(now, this.startedAt);
    if (timeout !== undefined) {
      // RFC 9113 §3.4 and §6.5.3: no SETTINGS, or no ACK of ours, in time ⇒ SETTINGS_TIMEOUT.
      const what = timeout === 'prefaceTimeout' ? 'no SETTINGS from the peer' : 'SETTINGS not acknowledged';
      return c.connectionError('SETTINGS_TIMEOUT', `${what} in time`, timeout);
    }
    if (p.pings.tick(now) === 'timedOut') {
      p.frame(out.goaway(p.registry.highestPeerId, 'NO_ERROR', encoder.encode('keepalive timeout')));
      c.limitExceeded('keepaliveTimeout', 0);
      return c.close('NO_ERROR', 'local', undefined);
    }
    p.shutdown.tick(now);
    if (this.idleDeadline() <= now) {
      c.limitExceeded('idleTimeout', 0);
      p.goaway(now);
    }
    if (!c.isClosed) p.bodyTimeouts.tick(now);
  }

  /** The earliest time `tick` has something to check, or +∞. */
  deadline(): number {
    const { p } = this;
    return Math.min(
      p.settings.deadline(this.startedAt),
      p.pings.deadline(),
      p.shutdown.deadline(),
      this.idleDeadline(),
      p.bodyTimeouts.deadline(),
    );
  }

  /** Graceful GOAWAY after `idleTimeoutMs` without streams, unless a shutdown already began. */
  private idleDeadline(): number {
    const { o, shutdown, registry } = this.p;
    return o.idleTimeoutMs > 0 && shutdown.notStarted && registry.size === 0
      ? registry.idleSince + o.idleTimeoutMs
      : Number.POSITIVE_INFINITY;
  }
}
