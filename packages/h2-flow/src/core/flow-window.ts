import { MAX_WINDOW_SIZE } from '@h2tubes/h2-frames/core';

/**
 * A checked flow-control window (RFC 9113 §5.2, §6.9). It may go negative (a smaller
 * SETTINGS_INITIAL_WINDOW_SIZE, §6.9.2) but never above 2^31-1: `grow` reports overflow and the
 * caller answers FLOW_CONTROL_ERROR with the scope the RFC names (stream or connection).
 *
 * @example
 * const w = new FlowWindow(65_535);
 * w.shrink(1000);            // 64 535 left
 * w.grow(0x7fff_ffff);       // false: overflow, window unchanged
 */
export class FlowWindow {
  constructor(public size: number) {}

  /** Adds credit (WINDOW_UPDATE, or a positive SETTINGS delta). False, unchanged, on overflow. */
  grow(n: number): boolean {
    const next = this.size + n;
    if (next > MAX_WINDOW_SIZE) return false;
    this.size = next;
    return true;
  }

  /** Spends credit; the caller checked `size` first, or applies a SETTINGS delta that may go negative. */
  shrink(n: number): void {
    this.size -= n;
  }
}
