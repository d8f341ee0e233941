// One clock for every bench process: wall-clock milliseconds with sub-millisecond resolution, so a
// publish time taken in the bench and an arrival time taken in the receiver process compare directly.
import { performance } from "node:perf_hooks";

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
