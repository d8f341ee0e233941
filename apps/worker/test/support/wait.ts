// Polling for conditions that become true asynchronously (rows written by workers, requests received).
// A wait gives up after WAIT_MS, well before the preset's 120 s test timeout, and says what it waited
// for, so a failure names the missing fact instead of "exceeded timeout".

/** How long a wait polls before it gives up. */
export const WAIT_MS = 30_000;

export async function waitUntil<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  options: {
    timeoutMs?: number;
    intervalMs?: number;
    /** What is awaited, for the error; a function is asked at the time of failure (it may report counts). */
    what?: string | (() => string);
  } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? WAIT_MS;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) {
      const what = typeof options.what === "function" ? options.what() : options.what;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what ?? "a condition"}`);
    }
    await sleep(intervalMs);
  }
}

/** A pause that is part of a scenario (polling, pacing); never a wait for something to have happened. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
