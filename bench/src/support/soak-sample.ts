// One sample of the soak, taken every window: what the receivers got and how late, what the worker
// did (its /metrics counters), the memory of the worker and API processes, Redis's memory and the
// prefix's keys, the tables' sizes and dead tuples, the queues' depths, I/O wait and WAL (soak-io.ts),
// the latency by stage (soak-stages.ts). Every value is a number (NaN: could not be read this time), so the series go to JSON, CSV and plots alike.
import type { Redis } from "ioredis";
import type pg from "pg";
import type { Queues } from "@msr-webhooks/queue/connection";
import { nowMs } from "./clock.js";
import { timedRequest } from "./http.js";
import { memoryOf } from "./proc-stats.js";
import { parsePromText, promSum, type PromSample } from "./prom-text.js";
import type { ReceiverProcess } from "./receiver.js";
import type { BadEndpoints } from "./soak-endpoints.js";
import { IoWindow } from "./soak-io.js";
import { SchedWindow, type SchedTarget } from "./soak-sched.js";
import { stageSeries } from "./soak-stages.js";
import { summarize } from "./stats.js";

export type Sample = Record<string, number>;

/** The receiver's CPU per request (µs): its work per request does not change with the tables, so it tracks the machine's speed. */
export const receiverCpuUsPerRequest = (r: Sample): number => ((r.receiver_cpu_pct ?? Number.NaN) * 1e4) / (r.received_per_s ?? Number.NaN);

const MB = 1024 * 1024;
const OUTCOMES = ["succeeded", "retrying", "failed", "skipped"] as const;
/** How the fan-out's deliveries went to their first attempt (msrwh_first_attempts_total). */
const ROUTES = ["inline", "waited", "job", "parked", "wait_expired"] as const;
const TABLES = { event: "Event", delivery: "Delivery", attempt: "DeliveryAttempt" } as const;
/** How far the stages' window trails the sample's (see take()). */
const STAGE_LAG_MS = 2000;
const QUEUE_STATES = ["waiting", "active", "delayed", "failed"] as const;

export interface SampledProcess {
  pid: number;
  metricsUrl: string;
}

export interface SoakSources {
  pool: pg.Pool;
  /** The run's database: its backends' CPU is told apart from the rest of PostgreSQL's (soak-sched.ts). */
  database: string;
  /** A connection for INFO, SCAN and MEMORY USAGE (not the publisher's). */
  redis: Redis;
  prefix: string;
  queues: Queues;
  receiver: ReceiverProcess;
  bad: BadEndpoints;
  worker: SampledProcess;
  api: (SampledProcess & { auth: string; deliveryLogUrl: string }) | undefined;
}

/** What soak-sched.ts reads: our processes (this one too) and the run's database. */
export function schedTarget(s: SoakSources): SchedTarget {
  const pids: Record<string, number> = { worker: s.worker.pid, receiver: s.receiver.pid, bench: process.pid };
  if (s.api) pids.api = s.api.pid;
  return { pids, database: s.database };
}

async function scrape(url: string): Promise<PromSample[]> {
  try {
    const res = await timedRequest("GET", url, { timeoutMs: 10_000 });
    return res.status === 200 ? parsePromText(res.body) : [];
  } catch {
    return [];
  }
}

/** Memory, heap and event loop; its CPU is soak-sched.ts's. */
function processSeries(prefix: string, pid: number, m: readonly PromSample[]): Sample {
  return {
    [`${prefix}_rss_mb`]: (memoryOf(pid)?.rssMb ?? Number.NaN),
    [`${prefix}_heap_used_mb`]: promSum(m, "nodejs_heap_size_used_bytes") / MB,
    [`${prefix}_heap_total_mb`]: promSum(m, "nodejs_heap_size_total_bytes") / MB,
    // prom-client resets its event-loop delay histogram at each scrape: these cover the window.
    [`${prefix}_event_loop_lag_p99_ms`]: promSum(m, "nodejs_eventloop_lag_p99_seconds") * 1000,
    [`${prefix}_event_loop_lag_max_ms`]: promSum(m, "nodejs_eventloop_lag_max_seconds") * 1000,
  };
}

/** The prefix's keys and what Redis says they use (MEMORY USAGE), in one SCAN; the largest few by name. */
async function prefixMemory(redis: Redis, prefix: string): Promise<{ keys: number; bytes: number; largest: Record<string, number> }> {
  let cursor = "0";
  let keys = 0;
  let bytes = 0;
  const largest: [string, number][] = [];
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    keys += batch.length;
    if (batch.length === 0) continue;
    const pipeline = redis.pipeline();
    for (const key of batch) pipeline.memory("USAGE", key);
    const results = (await pipeline.exec()) ?? [];
    results.forEach(([, used], i) => {
      if (typeof used !== "number") return;
      bytes += used;
      largest.push([batch[i] as string, used]);
      largest.sort((a, b) => b[1] - a[1]);
      largest.length = Math.min(largest.length, 5);
    });
  } while (cursor !== "0");
  return { keys, bytes, largest: Object.fromEntries(largest) };
}

async function redisSeries(redis: Redis, prefix: string): Promise<{ sample: Sample; largest: Record<string, number> }> {
  const info = await redis.info("memory");
  const used = Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
  const { keys, bytes, largest } = await prefixMemory(redis, prefix);
  return { sample: { redis_used_memory_mb: used / MB, redis_prefix_memory_mb: bytes / MB, redis_prefix_keys: keys }, largest };
}

async function postgresSeries(pool: pg.Pool): Promise<Sample> {
  // Events, deliveries and attempts are partitioned by time: a table's figures are the sums over its
  // leaf partitions (an unpartitioned table is its own single leaf).
  const { rows } = await pool.query<{ relname: string; total: string; indexes: string; dead: string; live: string; vacuums: string; partitions: string }>(
    `SELECT t.name AS relname, sum(pg_total_relation_size(p.relid)) AS total, sum(pg_indexes_size(p.relid)) AS indexes,
            sum(s.n_dead_tup) AS dead, sum(s.n_live_tup) AS live, sum(s.autovacuum_count) AS vacuums, count(*) AS partitions
       FROM unnest($1::text[]) AS t(name)
       CROSS JOIN LATERAL pg_partition_tree(format('%I', t.name)::regclass) AS p
       LEFT JOIN pg_stat_user_tables AS s ON s.relid = p.relid
      WHERE p.isleaf
      GROUP BY t.name`,
    [Object.values(TABLES)],
  );
  const out: Sample = {};
  for (const [short, table] of Object.entries(TABLES)) {
    const row = rows.find((r) => r.relname === table);
    out[`pg_${short}_total_mb`] = Number(row?.total ?? Number.NaN) / MB;
    out[`pg_${short}_index_mb`] = Number(row?.indexes ?? Number.NaN) / MB;
    out[`pg_${short}_dead_tuples`] = Number(row?.dead ?? Number.NaN);
    out[`pg_${short}_live_tuples`] = Number(row?.live ?? Number.NaN);
    // Autovacuum runs on the table so far: dead tuples that climb while this stays put are bloat.
    out[`pg_${short}_autovacuums`] = Number(row?.vacuums ?? Number.NaN);
    out[`pg_${short}_partitions`] = Number(row?.partitions ?? Number.NaN);
  }
  return out;
}

async function queueSeries(queues: Queues): Promise<Sample> {
  const out: Sample = {};
  for (const [name, queue] of [["ingest", queues.ingest], ["fanout", queues.fanout], ["delivery", queues.delivery]] as const) {
    const counts = await queue.getJobCounts(...QUEUE_STATES, "prioritized");
    out[`queue_${name}_waiting`] = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
    for (const state of QUEUE_STATES.slice(1)) out[`queue_${name}_${state}`] = counts[state] ?? 0;
  }
  return out;
}

function labelTotals(m: readonly PromSample[], name: string, label: string, values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const value of values) {
    const total = promSum(m, name, { [label]: value });
    out[value] = Number.isNaN(total) ? 0 : total;
  }
  return out;
}

function outcomeTotals(m: readonly PromSample[]): Record<string, number> {
  return labelTotals(m, "msrwh_deliveries_total", "outcome", OUTCOMES);
}

function routeTotals(m: readonly PromSample[]): Record<string, number> {
  return labelTotals(m, "msrwh_first_attempts_total", "route", ROUTES);
}

/** Per second over the window, for each of `keys`: `<prefix>_<key>_per_s` from two readings of a counter. */
function ratesOf(prefix: string, keys: readonly string[], now: Record<string, number>, last: Record<string, number>, seconds: number): Sample {
  const out: Sample = {};
  for (const key of keys) out[`${prefix}_${key}_per_s`] = ((now[key] ?? 0) - (last[key] ?? 0)) / seconds;
  return out;
}

interface GcTotals {
  ms: number;
  count: number;
  /** Collections that took 10 ms or less (prom-client's bucket le="0.01"). */
  quick: number;
  majorMs: number;
}

/** The process's garbage collections so far (prom-client's nodejs_gc_duration_seconds, every kind). */
function gcTotals(m: readonly PromSample[]): GcTotals {
  return {
    ms: promSum(m, "nodejs_gc_duration_seconds_sum") * 1000,
    count: promSum(m, "nodejs_gc_duration_seconds_count"),
    quick: promSum(m, "nodejs_gc_duration_seconds_bucket", { le: "0.01" }),
    majorMs: promSum(m, "nodejs_gc_duration_seconds_sum", { kind: "major" }) * 1000,
  };
}

/** The window's collections: time in GC per second, those over 10 ms, and major GC time. */
function gcSeries(prefix: string, now: GcTotals, last: GcTotals | undefined, seconds: number): Sample {
  const d = (key: keyof GcTotals): number => now[key] - (last?.[key] ?? Number.NaN);
  return {
    [`${prefix}_gc_ms_per_s`]: d("ms") / seconds,
    [`${prefix}_gc_over_10ms`]: d("count") - d("quick"),
    [`${prefix}_gc_major_ms`]: d("majorMs"),
  };
}

/** Takes samples; each covers the time since the previous one (the first, since start()). */
export class SoakSampler {
  private lastAt = nowMs();
  /** When the first window started: the stages' first window does not reach back into the warm-up. */
  private startedAt = Number.NaN;
  private lastOutcomes: Record<string, number> = {};
  private lastRoutes: Record<string, number> = {};
  /** The receiver's arrivals over every window, start()'s included. */
  received = 0;
  /** The prefix's largest keys at the last sample (bytes by key): what Redis memory is made of. */
  largestKeys: Record<string, number> = {};

  private readonly io: IoWindow;
  private sched: SchedWindow | undefined;
  private readonly lastGc = new Map<string, GcTotals>();

  constructor(private readonly s: SoakSources) {
    this.io = new IoWindow(s.pool);
  }

  /** Starts the first window: the receivers' and the worker's counts from here (what arrived before is counted in `received`). */
  async start(): Promise<void> {
    this.received += (await this.s.receiver.window()).count;
    this.s.bad.window();
    const workerMetrics = await scrape(this.s.worker.metricsUrl);
    this.lastOutcomes = outcomeTotals(workerMetrics);
    this.lastRoutes = routeTotals(workerMetrics);
    this.lastGc.set("worker", gcTotals(workerMetrics));
    this.sched = new SchedWindow(schedTarget(this.s));
    await this.io.start();
    this.lastAt = nowMs();
    this.startedAt = this.lastAt;
  }

  /** The worker's final outcomes now (its counter; deliveries purged from the tables stay counted). */
  async outcomesNow(): Promise<Record<string, number>> {
    return outcomeTotals(await scrape(this.s.worker.metricsUrl));
  }

  async take(): Promise<Sample> {
    const { receiver, bad, worker, api } = this.s;
    const window = await receiver.window();
    this.received += window.count;
    const badCounts = bad.window();
    const at = nowMs();
    const from = this.lastAt;
    const seconds = (at - from) / 1000;
    this.lastAt = at;
    const latency = summarize(window.latencies);
    const workerMetrics = await scrape(worker.metricsUrl);
    const sample: Sample = {
      window_s: seconds,
      received_per_s: window.count / seconds,
      latency_p50_ms: latency.p50,
      latency_p99_ms: latency.p99,
      latency_max_ms: latency.max,
    };
    const outcomes = outcomeTotals(workerMetrics);
    Object.assign(sample, ratesOf("worker", OUTCOMES, outcomes, this.lastOutcomes, seconds));
    this.lastOutcomes = outcomes;
    // A first attempt that its owner's share or the endpoint gate sends to a job or to parking is late.
    const routes = routeTotals(workerMetrics);
    Object.assign(sample, ratesOf("first_attempts", ROUTES, routes, this.lastRoutes, seconds));
    this.lastRoutes = routes;
    for (const [name, count] of Object.entries(badCounts)) sample[`endpoint_${name}_requests_per_s`] = count / seconds;
    Object.assign(sample, processSeries("worker", worker.pid, workerMetrics));
    Object.assign(sample, this.gc("worker", workerMetrics, seconds), this.sched?.take(seconds));
    sample.receiver_cpu_us_per_request = receiverCpuUsPerRequest(sample);
    if (api) {
      const apiMetrics = await scrape(api.metricsUrl);
      Object.assign(sample, processSeries("api", api.pid, apiMetrics), this.gc("api", apiMetrics, seconds));
      // An operator reading the failing webhook's delivery log: does the page slow down as the tables grow?
      const log = await timedRequest("GET", api.deliveryLogUrl, { auth: api.auth, timeoutMs: 30_000 }).catch(() => null);
      sample.api_delivery_log_ms = log?.status === 200 ? log.ms : Number.NaN;
    }
    const redis = await redisSeries(this.s.redis, this.s.prefix);
    this.largestKeys = redis.largest;
    Object.assign(sample, redis.sample, await postgresSeries(this.s.pool), await queueSeries(this.s.queues), await this.io.take(seconds, window.count));
    // Shifted back by STAGE_LAG_MS: an attempt is recorded after its endpoint answered, and one started
    // just before the sample would be missed by this window and the next.
    const stages = stageSeries(this.s.pool, Math.max(this.startedAt, from - STAGE_LAG_MS), at - STAGE_LAG_MS, bad.all.map((e) => e.url));
    Object.assign(sample, await stages.catch((): Sample => ({ stage_sampled_rows: Number.NaN })));
    return sample;
  }

  private gc(prefix: string, m: readonly PromSample[], seconds: number): Sample {
    const now = gcTotals(m);
    const series = gcSeries(prefix, now, this.lastGc.get(prefix), seconds);
    this.lastGc.set(prefix, now);
    return series;
  }
}
