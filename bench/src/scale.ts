// Scale simulation (issue 17): N worker processes (1, 2, 4, 8) against one Redis and one
// PostgreSQL, fan-out 10, reporting deliveries per second and where the machine's CPU went per
// delivery (the workers, redis-server, postgres, the receiver, the rest), to show where the limit
// moves as workers are added. This machine has 2 cores shared by all of them: past 2 workers the
// processes take turns on the same cores, so the table shows the cost per delivery of each part
// rather than a cluster's throughput.
import { parseArgs } from "./support/args.js";
import { runBench } from "./support/cleanup.js";
import { runE2e, type E2eResult } from "./support/e2e-run.js";
import { loadNow, machineInfo } from "./support/machine.js";
import { startReceiverProcess } from "./support/receiver.js";
import { log, printHeader, saveResults, table } from "./support/report.js";
import { median, round } from "./support/stats.js";

/** The CPU groups of cpu-breakdown.ts, folded into the parts this benchmark compares (µs per delivery). */
function fold(cpu: Record<string, number>): Record<string, number> {
  const get = (k: string) => cpu[k] ?? 0;
  // The run's own Redis and database; the rest of redis-server and postgres (other databases, the
  // WAL writer, other programs' work on a shared machine) goes with everything else.
  return {
    workers: get("worker"),
    redis: get("redis-server (run)"),
    postgres: get("postgres (run db)"),
    receiver: get("receiver"),
    other: get("bench") + get("other") + get("redis-server (rest)") + get("postgres (rest)"),
  };
}

runBench("scale", async () => {
  const args = parseArgs();
  const repeats = args.number("repeats", 1);
  const fanout = args.number("fanout", 10);
  const deliveries = args.number("deliveries", 10_000);
  const repositories = args.number("repositories", 200);
  const warmup = args.number("warmup", 2000);
  const counts = args.numbers("workers", [1, 2, 4, 8]);
  const machine = machineInfo();
  const command = `pnpm --filter @msr-webhooks/bench scale ${process.argv.slice(2).join(" ")}`.trim();
  printHeader("Scale: N worker processes", machine, command);

  const receiver = await startReceiverProcess(args.number("origins", 100));
  const runs: (E2eResult & { repeat: number; loadBefore: string; loadAfter: string; parts: Record<string, number> })[] = [];
  for (let repeat = 1; repeat <= repeats; repeat += 1) {
    for (const workers of counts) {
      const loadBefore = loadNow();
      const run = await runE2e(receiver, {
        fanout, deliveries, warmupDeliveries: warmup, repositories, workers, workerEnv: args.env,
        ...(args.workerNodeFlags ? { workerNodeFlags: args.workerNodeFlags } : {}),
        ...(args.workerEntry ? { workerEntry: args.workerEntry } : {}),
      });
      const parts = fold(run.cpu);
      runs.push({ ...run, repeat, loadBefore, loadAfter: loadNow(), parts });
      log(`repeat ${repeat}: ${workers} worker(s): ${round(run.perSecond)}/s, CPU µs/delivery ${JSON.stringify(Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, round(v)])))}, load ${loadBefore} -> ${loadNow()}`);
    }
  }
  await receiver.close();

  const parts = ["workers", "redis", "postgres", "receiver", "other"];
  const rows = counts.map((workers) => {
    const of = runs.filter((r) => r.workers === workers);
    const m = (f: (r: (typeof of)[number]) => number) => round(median(of.map(f)));
    const cpu = parts.map((p) => m((r) => r.parts[p] ?? 0));
    const total = cpu.reduce((a, b) => a + b, 0);
    // Of the parts we run (workers, Redis, PostgreSQL), the one that took the most CPU: where the limit is at this N.
    const ours = cpu.slice(0, 3);
    const top = parts[ours.indexOf(Math.max(...ours))] ?? "";
    return [workers, m((r) => r.perSecond), m((r) => r.steadyPerSecond), ...cpu, total, top, of.map((r) => `${r.loadBefore.split(" ")[0]}→${r.loadAfter.split(" ")[0]}`).join(", ")];
  });
  process.stdout.write(
    `\n${table(["workers", "deliveries/s", "steady /s", ...parts.map((p) => `${p} µs`), "total µs", "largest", "load 1m"], rows)}\n`,
  );
  const file = saveResults("scale", machine, command, { fanout, deliveries, repositories, runs });
  log(`saved ${file}`);
});
