/**
 * Every timer the simulator starts goes through one `Timers`, so `close()` can stop them all at once and a
 * test file leaves nothing behind.
 */
export class Timers {
  private readonly handles = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();
  private closed = false;

  /** Runs `fn` after `ms` (never after `close()`). Returns a handle for `cancel`. */
  after(ms: number, fn: () => void): NodeJS.Timeout | null {
    if (this.closed) return null;
    const handle = setTimeout(
      () => {
        this.handles.delete(handle);
        fn();
      },
      Math.max(0, ms),
    );
    this.handles.add(handle);
    return handle;
  }

  /** Cancels a timer from `after`; harmless on null or an already fired timer. */
  cancel(handle: NodeJS.Timeout | null | undefined): void {
    if (!handle) return;
    clearTimeout(handle);
    this.handles.delete(handle);
  }

  /** Resolves after `ms`, or at once when closed (callers check `isClosed` afterwards). */
  sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.sleepers.delete(wake);
        this.cancel(handle);
        resolve();
      };
      const handle = this.after(ms, wake);
      this.sleepers.add(wake);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops every pending timer and wakes every sleeper; later calls to `after` do nothing. */
  close(): void {
    this.closed = true;
    for (const handle of this.handles) clearTimeout(handle);
    this.handles.clear();
    for (const wake of [...this.sleepers]) wake();
  }

  /** Clears pending timers but keeps accepting new ones (used by reset). */
  clear(): void {
    for (const handle of this.handles) clearTimeout(handle);
    this.handles.clear();
    for (const wake of [...this.sleepers]) wake();
  }
}
