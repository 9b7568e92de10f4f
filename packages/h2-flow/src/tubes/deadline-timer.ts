/**
 * One timer for the earliest of a sans-I/O core's deadlines (settings ACK, keepalive, idle,
 * linger of reset streams): the core says when it next needs time (`nextDeadline()`), this arms
 * a single `setTimeout` for it and re-arms only when an earlier deadline appears. Unref'd: a
 * connection's timers never keep the process alive on their own.
 */
export class DeadlineTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private at = Number.POSITIVE_INFINITY;

  /** `target.onDeadline()` runs when the armed time comes (an object: one closure less). */
  constructor(private readonly target: { onDeadline(): void }) {}

  /** Arms for `at` (epoch ms), or disarms when the core has no deadline. */
  arm(at: number | undefined): void {
    if (at === undefined) return this.cancel();
    if (this.timer !== undefined && at >= this.at) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.at = at;
    this.timer = setTimeout(this.fire, Math.max(0, at - Date.now()));
    this.timer.unref?.();
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.at = Number.POSITIVE_INFINITY;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.at = Number.POSITIVE_INFINITY;
    this.target.onDeadline();
  };
}
