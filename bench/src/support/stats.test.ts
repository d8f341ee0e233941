// The bench's statistics over a million samples (a 60-minute soak at ~300 deliveries/s): no
// RangeError from a spread, and the order statistics right. Run with node's test runner
// (`pnpm --filter @msr-webhooks/bench test`), no services needed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { maxOf, median, meanOf, minOf, percentile, summarize } from "./stats.js";

const N = 1_000_000;

/** 1 .. N in a scrambled order (a stride coprime with N), so nothing relies on the input being sorted. */
function scrambled(): number[] {
  const values = new Array<number>(N);
  for (let i = 0; i < N; i += 1) values[i] = ((i * 7_919) % N) + 1;
  return values;
}

test("max, min and mean of a million samples", () => {
  const values = scrambled();
  assert.equal(maxOf(values), N);
  assert.equal(minOf(values), 1);
  assert.equal(meanOf(values), (N + 1) / 2);
});

test("summary of a million samples: nearest-rank percentiles from one sort", () => {
  const values = scrambled();
  const s = summarize(values);
  assert.deepEqual(s, { count: N, min: 1, mean: (N + 1) / 2, p50: N / 2, p95: 0.95 * N, p99: 0.99 * N, max: N });
  assert.equal(percentile(values, 99), 0.99 * N);
  assert.equal(median(values), N / 2 + 0.5);
  // The input is left as it was.
  assert.equal(values[1], 7_920);
});

test("no samples: NaN, not an exception", () => {
  assert.ok(Number.isNaN(maxOf([])));
  assert.ok(Number.isNaN(summarize([]).p99));
});
