// Soak: a steady mix of events for a long time (default 60 minutes) at a share of the maximum
// rate measured first (or --rate deliveries/s), with failing endpoints among the healthy ones (one
// answers 500, one answers slowly, one is down for the first sixth of the run) and retention and
// the reconciler running on short intervals. Every --sample-seconds it records latency, outcomes,
// memory of the worker and the API, Redis, table sizes and queue depths; at the end it drains,
// writes the series (JSON, CSV, one SVG plot each) and judges the bars of docs/benchmarks.md.
// Every second beside that, soak-probe.ts writes who used the CPU and who waited (per-second.csv).
import { parseArgs } from "./support/args.js";
import { runBench } from "./support/cleanup.js";
import { nowMs, sleep } from "./support/clock.js";
import { runE2e } from "./support/e2e-run.js";
import { watched } from "./support/worker-death.js";
import { publishSpread, tagPushEvent } from "./support/events.js";
import { machineInfo } from "./support/machine.js";
import { startReceiverProcess } from "./support/receiver.js";
import { log, printHeader, saveResults } from "./support/report.js";
import { judgeSeries, printBars, type TimedSample } from "./support/soak-bars.js";
import { startBadEndpoints } from "./support/soak-endpoints.js";
import { drain, drained, judgeLedger, settledTally } from "./support/soak-ledger.js";
import { writeSeries } from "./support/soak-output.js";
import { PerSecondProbe } from "./support/soak-probe.js";
import { schedTarget, SoakSampler } from "./support/soak-sample.js";
import { createSoakWorld, type SoakWorld } from "./support/soak-world.js";
import { autovacuumIsOn, startStandInVacuum } from "./support/stand-in-vacuum.js";
import { round } from "./support/stats.js";
import { publishEvents, type PublishableEvent } from "@msr-webhooks/events/publish";
import path from "node:path";

const MINUTE = 60_000;
/** The worker's default BREAKER_OPEN: a failing endpoint's deliveries also wait that long between probes. */
const BREAKER_OPEN_MS = 30_000;

/** The run's schedule, scaled to its length as the 60 minutes: the flapping endpoint is down for the first 10. */
function soakSchedule(minutes: number) {
  const durationMs = minutes * MINUTE;
  const downForMs = durationMs / 6;
  // The last retry comes before the endpoint is back: deliveries made early in the down time fail, later ones succeed.
  const retryMs = [downForMs / 120, downForMs / 20, downForMs / 5, downForMs / 2].map((ms) => Math.max(100, Math.round(ms)));
  const retrySpanMs = retryMs.reduce((a, b) => a + b, 0) + BREAKER_OPEN_MS;
  // Retention deletes by age, finished or not: it must outlast every retry (twice over), and apply well within the run.
  const retentionMs = Math.round(Math.max(MINUTE, durationMs / 4, 2 * retrySpanMs));
  const purgeMs = Math.max(5000, Math.round(retentionMs / 5));
  return { durationMs, downForMs, warmMs: durationMs / 6, retryMs, retrySpanMs, retentionMs, purgeMs, retentionAppliesMs: retentionMs + purgeMs };
}

async function publishSteadily(soak: SoakWorld, opts: { from: number; eventsPerSecond: number; untilMs: number }): Promise<{ events: number; deliveries: number; healthy: number }> {
  const { world, repositories, worker } = soak;
  const startAt = nowMs();
  const totals = { events: 0, deliveries: 0, healthy: 0 };
  while (nowMs() < opts.untilMs) {
    const due = Math.floor(((nowMs() - startAt) / 1000) * opts.eventsPerSecond) - totals.events;
    if (due > 0) {
      const at = nowMs();
      const events: PublishableEvent[] = [];
      for (let i = 0; i < due; i += 1) {
        const index = (opts.from + totals.events + i) % repositories.length;
        events.push(tagPushEvent(repositories[index] as string, at));
        const made = soak.deliveriesOf(index);
        totals.deliveries += made.all;
        totals.healthy += made.healthy;
      }
      await watched(publishEvents(world.redis, events, { prefix: world.prefix }), [worker]);
      totals.events += due;
    }
    await sleep(5);
  }
  return totals;
}

function describeSample(r: TimedSample): string {
  const v = (key: string, digits = 0) => round(r[key] ?? Number.NaN, digits);
  return (
    `${v("t_min", 1)} min: ${v("received_per_s")}/s p50 ${v("latency_p50_ms")} p99 ${v("latency_p99_ms")} ms; ` +
    `stage p99 ingest ${v("stage_ingest_p99_ms")} fanout ${v("stage_fanout_p99_ms")} queue ${v("stage_queue_p99_ms")} send ${v("stage_send_p99_ms")} ms; ` +
    `worker ${v("worker_rss_mb")} MB ${v("worker_cpu_pct")}% of a core, api ${v("api_rss_mb")} MB; machine ${v("machine_busy_pct")}% busy; redis prefix ${v("redis_prefix_memory_mb", 1)} MB ${v("redis_prefix_keys")} keys; ` +
    `Delivery ${v("pg_delivery_total_mb", 1)} MB (${v("pg_delivery_dead_tuples")} dead); delivery queue ${v("queue_delivery_waiting")} waiting ${v("queue_delivery_delayed")} delayed`
  );
}

runBench("soak", async () => {
  const args = parseArgs();
  const minutes = args.number("minutes", 60);
  const sampleMs = args.number("sample-seconds", 30) * 1000;
  const fanout = args.number("fanout", 10);
  const repositories = args.number("repositories", 200);
  const badEvery = args.number("bad-every", 50);
  const warmup = args.number("warmup", 2000);
  const plan = soakSchedule(minutes);
  const machine = machineInfo();
  const command = `pnpm --filter @msr-webhooks/bench soak ${process.argv.slice(2).join(" ")}`.trim();
  printHeader("Soak", machine, command);
  const workerOptions = {
    ...(args.workerNodeFlags ? { nodeFlags: args.workerNodeFlags } : {}),
    ...(args.workerEntry ? { entry: args.workerEntry } : {}),
  };

  const receiver = await startReceiverProcess(args.number("origins", 100));
  let rate = args.number("rate", 0);
  let maxPerSecond: number | null = null;
  if (rate <= 0) {
    const max = await runE2e(receiver, { fanout, deliveries: args.number("deliveries", 20_000), warmupDeliveries: warmup, repositories, workers: 1, workerEnv: args.env, ...workerOptions });
    maxPerSecond = max.perSecond;
    rate = args.number("fraction", 0.5) * max.perSecond;
    log(`maximum ${round(max.perSecond)} deliveries/s at fan-out ${fanout}: the soak runs at ${round(rate)}/s`);
  }

  const bad = await startBadEndpoints({ slowMs: args.number("slow-ms", 3000), downForMs: plan.downForMs });
  const env = {
    RETENTION: `${plan.retentionMs}ms`,
    PURGE_INTERVAL: `${plan.purgeMs}ms`,
    RECONCILE_INTERVAL: "10s",
    RETRY_SCHEDULE: plan.retryMs.map((ms) => `${ms}ms`).join(","),
    // Scaled as the rest: the 500 endpoint's circuit stays open, and its deliveries end failed once
    // past their retry span instead of piling up (row and job each) until AUTO_DISABLE_AFTER.
    OPEN_CIRCUIT_MAX_AGE: `${plan.retrySpanMs}ms`,
    ...args.env,
  };
  log(`${minutes} min; worker env ${JSON.stringify(env)}; failing endpoints on every ${badEvery}th of ${repositories} repositories`);
  const soak = await createSoakWorld(receiver, bad, { fanout, repositories, badEvery, worker: { env, ...workerOptions }, withApi: !args.flag("no-api") });
  const { world, worker } = soak;

  // Warm-up, then statistics as a database in use has them (see e2e-run.ts).
  await receiver.reset();
  const warmEvents = Math.max(repositories, Math.ceil(warmup / fanout));
  await publishSpread(world.redis, world.prefix, soak.repositories, warmEvents);
  const expected = { deliveries: 0, healthy: 0 };
  for (let i = 0; i < warmEvents; i += 1) {
    const made = soak.deliveriesOf(i);
    expected.deliveries += made.all;
    expected.healthy += made.healthy;
  }
  await watched(receiver.waitFor(expected.healthy, 300_000), [worker]);
  await world.pool.query("ANALYZE");

  // The server's autovacuum, or a stand-in for it (see stand-in-vacuum.ts); --no-vacuum shows the tables without either.
  const autovacuum = await autovacuumIsOn(world.pool);
  const vacuum = autovacuum || args.flag("no-vacuum") ? undefined : startStandInVacuum(world.pool);
  if (!autovacuum) log(`the server runs with autovacuum off: ${vacuum ? "VACUUM ANALYZE of Event, Delivery, DeliveryAttempt every minute stands in" : "nothing stands in (--no-vacuum)"}`);
  const dir = path.resolve(import.meta.dirname, "../results", `soak-${machine.date.replace(/[:.]/g, "-")}`);
  const sampler = new SoakSampler(soak.sources);
  await sampler.start();
  const probe = new PerSecondProbe(schedTarget(soak.sources), dir);
  bad.start();
  const startAt = nowMs();
  const endAt = startAt + plan.durationMs;
  const rows: TimedSample[] = [];
  const sampling = (async () => {
    for (let k = 1; startAt + (k - 1) * sampleMs < endAt; k += 1) {
      await sleep(Math.max(0, Math.min(endAt, startAt + k * sampleMs) - nowMs()));
      const row: TimedSample = { ...(await sampler.take()), ...probe.worstSeconds(), t_min: (nowMs() - startAt) / MINUTE };
      rows.push(row);
      log(describeSample(row));
    }
  })();
  const deliveriesPerEvent = fanout + (bad.all.length * Math.ceil(repositories / badEvery)) / repositories;
  const published = await publishSteadily(soak, { from: warmEvents, eventsPerSecond: rate / deliveriesPerEvent, untilMs: endAt });
  await watched(sampling, [worker]);
  expected.deliveries += published.deliveries;
  expected.healthy += published.healthy;
  log(`published ${published.events} events (${published.deliveries} deliveries, ${round(published.deliveries / (minutes * 60))}/s of ${round(rate)}/s asked) in ${minutes} min; draining`);

  const drainMs = args.number("drain-minutes", Math.max(5, 3 * plan.retrySpanMs / MINUTE)) * MINUTE;
  const endpoints = bad.all.map((e) => ({ name: e.name, origin: e.url, expect: e.expect, mayWait: e.mayWait }));
  const wasDrained = await drain(async () => {
    const queued = await Promise.all([soak.sources.queues.ingest, soak.sources.queues.fanout].map((q) => q.getJobCounts("waiting", "active", "delayed", "prioritized")));
    return queued.every((c) => Object.values(c).every((n) => n === 0)) && (await drained(world.pool, endpoints));
  }, drainMs);
  await sleep(2000);
  const afterDrain = await sampler.take();
  const tally = await settledTally(world.pool, endpoints, () => sampler.outcomesNow());
  const { succeeded = 0, failed = 0, skipped = 0 } = tally.outcomes;
  const ledger = { expected: expected.deliveries, expectedHealthy: expected.healthy, receivedHealthy: sampler.received, outcomes: { succeeded, failed, skipped } };
  const bars = [
    ...judgeSeries(rows, { warmMin: plan.warmMs / MINUTE, retentionMin: plan.retentionAppliesMs / MINUTE }),
    judgeLedger(ledger, tally, wasDrained, endpoints),
  ];
  await vacuum?.stop();
  probe.stop();
  const requests = Object.fromEntries(bad.all.map((e) => [e.name, e.requests]));
  await soak.close();
  await bad.close();
  await receiver.close();

  const marks = [
    { x: plan.downForMs / MINUTE, label: "flapping endpoint back" },
    { x: plan.retentionAppliesMs / MINUTE, label: "retention applies" },
  ];
  const meta = { minutes, sampleSeconds: sampleMs / 1000, rate, maxPerSecond, fanout, repositories, badEvery, plan, env, autovacuum, standInVacuums: vacuum?.runs() ?? 0 };
  const plots = writeSeries(dir, rows, marks, meta);
  const file = saveResults("soak", machine, command, { ...meta, published, ledger, requests, afterDrain, largestRedisKeys: sampler.largestKeys, bars, series: dir });
  process.stdout.write(`\n${printBars(bars)}\n\n`);
  log(`series, ${plots.length} plots and ${probe.rows} seconds of per-second.csv in ${dir}; summary ${file}`);
});
