import { isConnectionError } from './errors.js';

/**
 * Waits until MySQL answers `ping` (a `SELECT 1`) again, polling with a growing pause (1 s
 * doubling to 15 s), for at most `maxWaitMs`. True when it answers, false when the time is up or
 * `signal` aborts. A job that lost its connection waits here instead of spending its retries
 * while a server restarts.
 */
export async function waitForDatabase(ping: () => Promise<unknown>, maxWaitMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + maxWaitMs;
  for (let pause = 1000; ; pause = Math.min(pause * 2, 15_000)) {
    if (signal?.aborted) return false;
    try {
      await ping();
      return true;
    } catch (error) {
      if (!isConnectionError(error)) throw error;
    }
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
  }
}
