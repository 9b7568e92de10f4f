import { type DecodedFrame, H2ProtocolError, type SettingsFrame } from '@h2tubes/h2-frames/core';
import type { Closing } from './closing.js';
import type { ConnectionEvent } from './events.js';
import type { ResolvedOptions } from './options.js';
import * as out from './outbound-frames.js';
import {
  announcedSettings,
  applySettings,
  INITIAL_SETTINGS,
  LocalSettings,
  type SettingsValues,
} from './settings.js';
import type { H2Stream } from './stream.js';
import type { StreamRegistry } from './stream-registry.js';

/** What the settings exchange needs. */
export interface SettingsExchangeParts {
  readonly o: ResolvedOptions;
  readonly registry: StreamRegistry;
  readonly closing: Closing;
  readonly frame: (f: DecodedFrame) => void;
  readonly emit: (e: ConnectionEvent) => void;
  /** A stream's send window grew: it may take part in the next flush. */
  readonly scheduleIfReady: (s: H2Stream) => void;
  /** The peer's MAX_CONCURRENT_STREAMS changed: queued requests may go now. */
  readonly pump: () => void;
  /** A stream's receive window moved (the request-body clocks pause or resume). */
  readonly streamWindowChanged: (s: H2Stream) => void;
}

/**
 * The SETTINGS exchange (RFC 9113 §6.5): ours announced at start and in force once ACKed (with
 * the timeout of §6.5.3), the peer's applied and ACKed, and what a changed
 * SETTINGS_INITIAL_WINDOW_SIZE does to the stream windows (§6.9.2). hyperium/h2: `proto/settings.rs`.
 */
export class SettingsExchange {
  readonly local = new LocalSettings();
  /** The peer's settings in force. */
  peer: SettingsValues = INITIAL_SETTINGS;
  /** §3.4: the peer's preface ends with its SETTINGS; nothing else may come first. */
  prefaceReceived = false;

  constructor(private readonly p: SettingsExchangeParts) {}

  /** Writes our SETTINGS (RFC 9113 §3.4: the first frame each side sends). */
  start(now: number): void {
    const entries = announcedSettings(this.p.o);
    this.p.frame(out.settings(entries));
    this.local.sent(entries, now);
  }

  /**
   * The preface timer (the peer's SETTINGS within `prefaceTimeoutMs` of `startedAt`) and §6.5.3's
   * (our SETTINGS ACKed within `settingsTimeoutMs`): which one ran out, if any.
   */
  timedOut(now: number, startedAt: number): 'prefaceTimeout' | 'settingsTimeout' | undefined {
    if (!this.prefaceReceived && now - startedAt >= this.p.o.prefaceTimeoutMs) return 'prefaceTimeout';
    const pendingAt = this.local.oldestPendingAt;
    if (pendingAt !== undefined && now - pendingAt >= this.p.o.settingsTimeoutMs) return 'settingsTimeout';
    return undefined;
  }

  /** When `timedOut` may next say yes, or +∞. */
  deadline(startedAt: number): number {
    let t = this.prefaceReceived ? Number.POSITIVE_INFINITY : startedAt + this.p.o.prefaceTimeoutMs;
    const pendingAt = this.local.oldestPendingAt;
    if (pendingAt !== undefined) t = Math.min(t, pendingAt + this.p.o.settingsTimeoutMs);
    return t;
  }

  received(f: SettingsFrame): void {
    const p = this.p;
    const c = p.closing;
    if (f.ack) {
      if (f.settings.length > 0)
        return c.connectionError('FRAME_SIZE_ERROR', 'SETTINGS ACK with a payload (RFC 9113 §6.5)');
      const previous = this.local.acked.initialWindowSize;
      const r = this.local.acknowledged();
      if (r === undefined) return;
      const delta = r.values.initialWindowSize - previous;
      if (delta !== 0) {
        // Pitfall: our new INITIAL_WINDOW_SIZE applies to receive windows only once ACKed (§6.9.2).
        for (const s of p.registry.streams()) {
          s.recv.applyDelta(delta);
          p.streamWindowChanged(s);
        }
      }
      p.emit({ kind: 'settingsAcknowledged', settings: r.values, changed: r.changed });
      return;
    }
    const r = applySettings(this.peer, f.settings, p.o.role);
    if (r instanceof H2ProtocolError) return c.connectionError(r.code, r.message);
    if (r.changed.includes('initialWindowSize')) {
      // RFC 9113 §6.9.2: the delta moves every stream's send window (may go negative), never the connection's.
      const delta = r.values.initialWindowSize - this.peer.initialWindowSize;
      for (const s of p.registry.streams()) {
        if (!s.sendWindow.grow(delta))
          return c.connectionError(
            'FLOW_CONTROL_ERROR',
            'SETTINGS_INITIAL_WINDOW_SIZE overflows a stream window',
          );
        if (delta > 0) p.scheduleIfReady(s);
      }
    }
    this.peer = r.values;
    this.prefaceReceived = true;
    c.answer(out.settingsAck());
    p.emit({ kind: 'settingsChanged', settings: r.values, changed: r.changed });
    if (r.changed.includes('maxConcurrentStreams')) p.pump();
  }
}
