// Benchmark 5: two worker processes against one, same queue and database, fan-out 10, on this
// machine (2 cores shared with PostgreSQL, Redis, the receiver and the bench itself).
import { parseArgs } from "./support/args.js";
import { measureBaseline } from "./support/baseline.js";
import { runBench } from "./support/cleanup.js";
import { runE2e, type E2eResult } from "./support/e2e-run.js";
import { startReceiverProcess } from "./support/receiver.js";
import { startReport } from "./support/run-header.js";
import { log, saveResults, table } from "./support/report.js";
import { median, round } from "./support/stats.js";

runBench("scaleout", async () => {
  const args = parseArgs();
  const repeats = args.number("repeats", 3);
  const fanout = args.number("fanout", 10);
  const deliveries = args.number("deliveries", 20_000);
  const repositories = args.number("repositories", 200);
  const warmup = args.number("warmup", 2000);
  const { machine, command } = startReport("scaleout", "Scale-out");

  const receiver = await startReceiverProcess(args.number("origins", 100));
  const runs: (E2eResult & { repeat: number; baseline: number })[] = [];
  for (let repeat = 1; repeat <= repeats; repeat += 1) {
    const baseline = await measureBaseline(receiver, { count: deliveries, warmup, concurrency: Number(args.env.DELIVERY_CONCURRENCY ?? 200) });
    for (const workers of [1, 2]) {
      const run = await runE2e(receiver, { fanout, deliveries, warmupDeliveries: warmup, repositories, workers, workerEnv: args.env, ...(args.workerNodeFlags ? { workerNodeFlags: args.workerNodeFlags } : {}),
        ...(args.workerEntry ? { workerEntry: args.workerEntry } : {}) });
      runs.push({ ...run, repeat, baseline: baseline.perSecond });
      log(`repeat ${repeat}: ${workers} worker(s): ${round(run.perSecond)}/s (baseline ${round(baseline.perSecond)}/s, ${round(run.cpuUsPerDelivery)} µs CPU each)`);
    }
  }
  await receiver.close();

  const one = median(runs.filter((r) => r.workers === 1).map((r) => r.perSecond));
  const rows = [1, 2].map((workers) => {
    const of = runs.filter((r) => r.workers === workers);
    const m = median(of.map((r) => r.perSecond));
    return [
      `${workers} worker process${workers > 1 ? "es" : ""}, fan-out ${fanout}`,
      of.map((r) => round(r.perSecond)).join(" / "),
      round(m),
      round(m / one, 2).toFixed(2),
      round(median(of.map((r) => r.perSecond / r.baseline)), 2).toFixed(2),
      round(median(of.map((r) => r.cpuUsPerDelivery))),
    ];
  });
  process.stdout.write(
    `\n${table(["workers", "deliveries/s per repeat", "median /s", "vs 1 worker", "median ratio to baseline", "worker CPU µs per delivery"], rows)}\n`,
  );
  const file = saveResults("scaleout", machine, command, { fanout, deliveries, repositories, runs });
  log(`saved ${file}`);
});
