/**
 * Races each step of an iteration against a failure that may come from elsewhere: an abort
 * signal, or an error event on a stream a library reads but does not watch. Without it such a
 * failure either crashes the process (an unhandled 'error' event) or leaves the iteration
 * waiting forever for data that will not come.
 *
 * Not Promise.race against one long-pending promise: every race would leave a reaction on it,
 * holding its result, for as long as the iteration lasts (hundreds of MB over a large sheet).
 * Each step registers its own rejecter and removes it once settled.
 */
export class Tripwire {
  private failure: { error: unknown } | undefined;
  private readonly waiting = new Set<(error: unknown) => void>();
  private readonly onAbort: (() => void) | undefined;

  constructor(private readonly signal?: AbortSignal) {
    if (signal) {
      this.onAbort = () => this.trip(signal.reason);
      if (signal.aborted) this.onAbort();
      else signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  trip(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    for (const reject of this.waiting) reject(error);
    this.waiting.clear();
  }

  /** The step's result, or the failure if it comes first. A step left behind may fail unobserved. */
  race<T>(step: Promise<T>): Promise<T> {
    if (this.failure) {
      step.catch(() => undefined);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed through as thrown (an abort reason may be anything)
      return Promise.reject(this.failure.error);
    }
    return new Promise<T>((resolve, reject) => {
      this.waiting.add(reject);
      step.then(
        (value) => {
          this.waiting.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          this.waiting.delete(reject);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the step's own rejection, unchanged
          reject(error);
        },
      );
    });
  }

  dispose(): void {
    if (this.signal && this.onAbort) this.signal.removeEventListener('abort', this.onAbort);
  }
}
