/**
 * Credit a consumer grants a producer, in items or in bytes (whatever `sizeOf` counts). The
 * consumer calls `request(n)`; the producer may emit only what it can `take`, and hears of new
 * credit through `onRequest`. A `demandDriven` pull source is handed one (see `pullFrom`).
 *
 * @example
 * const demand = new Demand();
 * demand.onRequest(() => { while (demand.take()) emit(next()); });
 * demand.request(4); // four items may flow now
 */
export class Demand {
  private credit: number;
  private readonly listeners = new Set<() => void>();

  constructor(initial = 0) {
    this.credit = initial;
  }

  /** Credit not yet used. */
  get outstanding(): number {
    return this.credit;
  }

  /** Grants `n` more (Infinity = unbounded). */
  request(n: number): void {
    if (!(n > 0)) return;
    this.credit += n;
    for (const l of [...this.listeners]) l();
  }

  /** Uses `n` of the credit if there is that much. */
  take(n = 1): boolean {
    if (this.credit < n) return false;
    this.credit -= n;
    return true;
  }

  /** Called after each `request`; returns the unsubscribe function. */
  onRequest(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** A bounded buffer overflowed and its upstream could not be paused. */
export class BufferOverflowError extends Error {
  override readonly name = 'BufferOverflowError';
}
