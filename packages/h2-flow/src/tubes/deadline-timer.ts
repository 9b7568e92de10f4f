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
    // The timer as the callback's argument: one shared function, not a closure per connection.
    this.timer = setTimeout(fire, Math.max(0, at - Date.now()), this);
    this.timer.unref?.();
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.at = Number.POSITIVE_INFINITY;
  }

  /** The armed time came. */
  fire(): void {
    this.timer = undefined;
    this.at = Number.POSITIVE_INFINITY;
    this.target.onDeadline();
  }
}

const fire = (timer: DeadlineTimer): void => timer.fire();
