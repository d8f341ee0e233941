// The soak's bars (docs/benchmarks.md, "Soak"), judged on the time series at the end of the run:
// latency that does not drift, worker memory that stops growing once warm, Redis memory that stays
// flat once retention deletes as much as arrives, and no delivery lost.
import { median, round } from "./stats.js";
import { receiverCpuUsPerRequest, type Sample } from "./soak-sample.js";

export interface Bar {
  bar: string;
  measured: string;
  pass: boolean;
}

/** A sample with its end time: minutes since the soak started. */
export type TimedSample = Sample & { t_min: number };

export interface BarMarks {
  /** Worker RSS is compared from here on (the 10 minutes of 60: the first sixth). */
  warmMin: number;
  /** When retention has had a purge to apply at (retention + one purge interval). */
  retentionMin: number;
}

const first = (rows: readonly TimedSample[], fromMin: number): TimedSample | undefined => rows.find((r) => r.t_min >= fromMin);

function growth(rows: readonly TimedSample[], key: string, fromMin: number): { from: number; to: number; ratio: number } | null {
  const base = first(rows, fromMin);
  const last = rows[rows.length - 1];
  if (base === undefined || last === undefined || base === last) return null;
  const from = base[key] as number;
  const to = last[key] as number;
  return { from, to, ratio: (to - from) / from };
}

/** A second in which every running task waited on the disk this long (PSI's I/O "full") marks a disk stall. */
export const DISK_STALL_MS = 100;
/** A window whose first attempts went through a job or waited for their owner's slot more than this often (%). */
export const OVERFLOW_PCT = 1;
/** A window in which the receiver spent this much more CPU per request than in the warm-up ran on a slower machine. */
export const SLOWER_MACHINE = 1.1;

/** The share (%) of the window's first attempts that took a job or waited for their owner's slot. */
export function overflowPct(r: Sample): number {
  const inline = r.first_attempts_inline_per_s ?? 0;
  const slow = (r.first_attempts_job_per_s ?? 0) + (r.first_attempts_waited_per_s ?? 0);
  return inline + slow > 0 ? (100 * slow) / (inline + slow) : 0;
}

/**
 * What the windows over the p99 bar had with them, the causes to look at first: a second of disk
 * stall (soak-probe.ts), first attempts that overflowed their owner's share, a machine slower than in
 * the warm-up (the receiver's CPU per request against its median before warmMin). A window may have several.
 */
export function lateWindowCauses(rows: readonly TimedSample[], over: readonly TimedSample[], warmMin: number): string {
  const reference = median(rows.filter((r) => r.t_min < warmMin).map(receiverCpuUsPerRequest).filter(Number.isFinite));
  const causes = {
    stalled: (r: TimedSample) => (r.io_full_worst_second_ms ?? 0) >= DISK_STALL_MS,
    overflowed: (r: TimedSample) => overflowPct(r) > OVERFLOW_PCT,
    slower: (r: TimedSample) => receiverCpuUsPerRequest(r) >= SLOWER_MACHINE * reference,
  };
  const [stalled, overflowed, slower] = [causes.stalled, causes.overflowed, causes.slower].map((is) => over.filter(is).length);
  const none = over.filter((r) => !Object.values(causes).some((is) => is(r))).length;
  return (
    `${stalled} with a second of disk stall >= ${DISK_STALL_MS} ms, ${overflowed} with over ${OVERFLOW_PCT}% of first attempts through a job or waiting, ` +
    `${slower} on a machine ${round((SLOWER_MACHINE - 1) * 100)}%+ slower than before minute ${round(warmMin, 1)} ` +
    `(receiver ${round(reference, 1)} µs of CPU per request then), ${none} with none of these`
  );
}

export function judgeSeries(rows: readonly TimedSample[], marks: BarMarks): Bar[] {
  const bars: Bar[] = [];
  const p99 = (r: TimedSample): number => r.latency_p99_ms ?? Number.NaN;
  const timed = rows.filter((r) => Number.isFinite(p99(r)));
  const firstP99 = timed[0] ? p99(timed[0]) : Number.NaN;
  let worst = Number.NaN;
  for (const r of timed) if (!(p99(r) <= worst)) worst = p99(r);
  const over = timed.slice(1).filter((r) => p99(r) > 1.5 * firstP99);
  bars.push({
    bar: "p99 of every window within 1.5x of the first window's",
    measured:
      `first ${round(firstP99, 1)} ms, worst ${round(worst, 1)} ms (${round(worst / firstP99, 2)}x) over ${timed.length} windows; ` +
      `${over.length} over 1.5x: ${lateWindowCauses(timed, over, marks.warmMin)}`,
    pass: timed.length > 1 && worst <= 1.5 * firstP99,
  });

  const rss = growth(rows, "worker_rss_mb", marks.warmMin);
  bars.push({
    bar: `worker RSS growth under 10% after minute ${round(marks.warmMin, 1)}`,
    measured: rss ? `${round(rss.from, 1)} -> ${round(rss.to, 1)} MB (${round(rss.ratio * 100, 1)}%)` : "no sample after the mark",
    pass: rss !== null && rss.ratio < 0.1,
  });

  // The prefix's own keys (MEMORY USAGE): the server's used_memory includes everyone else's keys on a shared Redis.
  const redis = growth(rows, "redis_prefix_memory_mb", marks.retentionMin);
  const server = growth(rows, "redis_used_memory_mb", marks.retentionMin);
  bars.push({
    bar: `Redis memory flat once retention applies (minute ${round(marks.retentionMin, 1)}): the prefix's keys grow under 10% (or 1 MB)`,
    measured: redis
      ? `${round(redis.from, 2)} -> ${round(redis.to, 2)} MB (${round(redis.ratio * 100, 1)}%); server used_memory ${round(server?.from ?? Number.NaN, 1)} -> ${round(server?.to ?? Number.NaN, 1)} MB`
      : "no sample after retention applied",
    pass: redis !== null && (redis.ratio < 0.1 || redis.to - redis.from < 1),
  });
  return bars;
}

export function printBars(bars: readonly Bar[]): string {
  return bars.map((b) => `${b.pass ? "PASS" : "FAIL"}  ${b.bar}: ${b.measured}`).join("\n");
}
