// The soak's p99 bar and what it says of the late windows (soak-bars.ts), on made-up series.
import assert from "node:assert/strict";
import { test } from "node:test";
import { judgeSeries, lateWindowCauses, overflowPct, type TimedSample } from "./soak-bars.js";

/** A window at `t_min` of a receiver spending `us` µs of CPU per request at 1,000 requests/s. */
function window(t_min: number, p99: number, extra: Partial<TimedSample> = {}, us = 50): TimedSample {
  return {
    t_min,
    latency_p99_ms: p99,
    received_per_s: 1000,
    receiver_cpu_pct: (us * 1000) / 1e4,
    first_attempts_inline_per_s: 100,
    first_attempts_job_per_s: 0,
    first_attempts_waited_per_s: 0,
    io_full_worst_second_ms: 0,
    worker_rss_mb: 100,
    redis_prefix_memory_mb: 2,
    redis_used_memory_mb: 5,
    ...extra,
  };
}

const marks = { warmMin: 2, retentionMin: 3 };

test("overflow share: first attempts through a job or waiting, of all first attempts", () => {
  assert.equal(overflowPct(window(1, 10, { first_attempts_inline_per_s: 98, first_attempts_job_per_s: 1, first_attempts_waited_per_s: 1 })), 2);
  assert.equal(overflowPct(window(1, 10, { first_attempts_inline_per_s: 0 })), 0);
});

test("each late window is told apart by what came with it", () => {
  const rows = [
    window(0.5, 40, {}, 50),
    window(1, 40, {}, 52),
    window(1.5, 40, {}, 48),
    window(2.5, 70, { io_full_worst_second_ms: 150 }),
    window(3, 70, { first_attempts_job_per_s: 3 }),
    window(3.5, 70, {}, 60),
    window(4, 70),
    window(4.5, 50, { io_full_worst_second_ms: 500 }, 80),
  ];
  const over = rows.slice(1).filter((r) => (r.latency_p99_ms ?? 0) > 60);
  const said = lateWindowCauses(rows, over, marks.warmMin);
  assert.match(said, /^1 with a second of disk stall/);
  assert.match(said, /, 1 with over 1% of first attempts/);
  assert.match(said, /, 1 on a machine 10%\+ slower than before minute 2 \(receiver 50 µs of CPU per request then\)/);
  assert.match(said, /, 1 with none of these$/);
});

test("the p99 bar fails on one window over 1.5x of the first, and says why", () => {
  const rows = [window(0.5, 40), window(1, 59), window(1.5, 61, {}, 70), window(2.5, 40)];
  const [p99] = judgeSeries(rows, marks);
  assert.equal(p99?.pass, false);
  assert.match(p99?.measured ?? "", /1 over 1\.5x: .* 1 on a machine 10%\+ slower/);
  const [ok] = judgeSeries(rows.filter((r) => r.t_min !== 1.5), marks);
  assert.equal(ok?.pass, true);
});
