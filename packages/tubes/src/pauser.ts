/** A handle returned by `pause()`: the flow resumes when every outstanding token is unpaused. */
export interface PauseToken {
  unpause(): void;
}

/**
 * Reference-counted pausing, one token per reason (twisted/tubes `Pauser`): reading a socket can
 * be paused at once because the consumer has no demand *and* because the outbound queue is full;
 * it resumes only when both reasons are gone. Unpausing a token twice is an error.
 *
 * @example
 * const pauser = new Pauser(() => socket.pause(), () => socket.resume());
 * const t = pauser.pause('outbound full'); … t.unpause();
 */
export class Pauser {
  private count = 0;
  constructor(
    private readonly onPause: () => void,
    private readonly onResume: () => void,
  ) {}

  get paused(): boolean {
    return this.count > 0;
  }

  pause(reason = 'unspecified'): PauseToken {
    if (this.count++ === 0) this.onPause();
    let done = false;
    return {
      unpause: () => {
        if (done) throw new Error(`pause token "${reason}" was already unpaused`);
        done = true;
        if (--this.count === 0) this.onResume();
      },
    };
  }
}
