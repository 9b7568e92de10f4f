import { onNextMicrotaskOf } from '@h2tubes/tubes';

/**
 * Coalesces the work of one turn into one flush (DESIGN.md: batch the way out): any number of
 * `schedule()` calls in a turn run `flush` once, at the end of the turn. `again()` runs it once
 * more after the current batch reached the writer (a macrotask later), for a flush that stopped
 * because the writer's room ran out while nothing else would ask for more (see ConnectionStage),
 * and for body chunks that arrive one promise at a time: those of one macrotask leave together.
 */
export class FlushPacer {
  private scheduled = false;
  private againPending = false;
  private stopped = false;
  /** For `onNextMicrotaskOf`: the end of the turn reaches this pacer without a closure of its own. */
  private readonly self = Promise.resolve(this);

  /** `target.flush()` does the work (an object rather than a closure: one less per connection). */
  constructor(private readonly target: { flush(): void }) {}

  schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    onNextMicrotaskOf(this.self, run);
  }

  again(): void {
    if (this.againPending || this.stopped) return;
    this.againPending = true;
    setImmediate(() => {
      this.againPending = false;
      this.schedule();
    });
  }

  stop(): void {
    this.stopped = true;
  }

  /** The end of the turn: the flush, unless stopped meanwhile. */
  run(): void {
    this.scheduled = false;
    if (!this.stopped) this.target.flush();
  }
}

const run = (pacer: FlushPacer): void => pacer.run();
