// Benchmark 1, 2 and 6: the baseline (the delivery client alone) and end-to-end deliveries per second
// through publishEvents -> ingest -> fan-out -> delivery with one worker process, at fan-out 1, 10
// and 100, as a ratio to the baseline; and the worker's peak RSS in those runs. This machine's speed
// drifts by tens of percent within minutes, so every end-to-end run is bracketed by baselines, one
// right before and one right after it, and compared with their mean. Right after each end-to-end
// run, the plain-queue peer (BullMQ + the same HTTP client, one job per delivery, no database, no
// signing) delivers as many to the same receiver: ours / plain queue is the cost of what we add
// over the obvious alternative, taken within the same minute.
import { measureBaseline, type BaselineResult } from "./support/baseline.js";
import { parseArgs } from "./support/args.js";
import { formatBreakdown } from "./support/cpu-breakdown.js";
import { runBench } from "./support/cleanup.js";
import { runE2e, type E2eResult } from "./support/e2e-run.js";
import { machineInfo } from "./support/machine.js";
import { measurePlainQueue, type PlainQueueResult } from "./support/plain-queue.js";
import { startReceiverProcess } from "./support/receiver.js";
import { log, printHeader, saveResults, table } from "./support/report.js";
import { maxOf, median, round } from "./support/stats.js";

runBench("throughput", async () => {
  const args = parseArgs();
  const repeats = args.number("repeats", 3);
  const deliveries = args.number("deliveries", 20_000);
  const fanouts = args.numbers("fanouts", [1, 10, 100]);
  const concurrency = args.number("concurrency", Number(args.env.DELIVERY_CONCURRENCY ?? 200));
  const repositories = args.number("repositories", 200);
  const warmup = args.number("warmup", 2000);
  const pastDays = args.number("past-days", 14);
  // `--cpu-prof DIR`: each worker writes a V8 CPU profile there when it exits.
  const cpuProfileDir = args.string("cpu-prof", "");
  const machine = machineInfo();
  const command = `pnpm --filter @msr-webhooks/bench throughput ${process.argv.slice(2).join(" ")}`.trim();
  printHeader("Throughput", machine, command);

  const receiver = await startReceiverProcess(args.number("origins", 100));
  const baselines: BaselineResult[] = [];
  const runs: (E2eResult & { repeat: number; ratio: number; plainRatio: number })[] = [];
  const plains: (PlainQueueResult & { repeat: number; fanout: number; ratio: number })[] = [];
  const nextBaseline = async (repeat: number): Promise<BaselineResult> => {
    const baseline = await measureBaseline(receiver, { count: deliveries, warmup, concurrency });
    baselines.push(baseline);
    log(`repeat ${repeat}: baseline ${round(baseline.perSecond)}/s (${round(baseline.cpuUsPerDelivery)} µs CPU each)`);
    log(`  CPU µs per delivery: ${formatBreakdown(baseline.cpu)}`);
    return baseline;
  };
  let before = await nextBaseline(1);
  for (let repeat = 1; repeat <= repeats; repeat += 1) {
    for (const fanout of fanouts) {
      const run = await runE2e(receiver, {
        fanout,
        deliveries,
        warmupDeliveries: warmup,
        repositories,
        workers: 1,
        workerEnv: args.env,
        ...(args.workerNodeFlags ? { workerNodeFlags: args.workerNodeFlags } : {}),
        ...(args.workerEntry ? { workerEntry: args.workerEntry } : {}),
        analyzeAfterWarmup: !args.flag("no-analyze"),
        pastDays,
        ...(cpuProfileDir ? { cpuProfileDir } : {}),
      });
      log(
        `repeat ${repeat}: fan-out ${fanout}: ${round(run.perSecond)}/s ` +
          `(steady ${round(run.steadyPerSecond)}/s, ${round(run.cpuUsPerDelivery)} µs worker CPU each, peak RSS ${round(run.peakRssMb[0] ?? 0)} MB)`,
      );
      log(`  CPU µs per delivery: ${formatBreakdown(run.cpu)}`);
      const a = run.arrivalsMs;
      log(`  arrivals after the first publish (ms): first ${round(a.first)}, 10% ${round(a.at10)}, 90% ${round(a.at90)}, last ${round(a.last)}`);
      const routes = Object.entries(run.firstAttempts).filter(([, n]) => n > 0);
      log(`  first attempts: ${routes.map(([route, n]) => `${route} ${round((100 * n) / run.deliveries, 1)}%`).join(", ") || "none counted"}`);
      const plain = await measurePlainQueue(receiver, { count: deliveries, warmup, concurrency });
      log(`repeat ${repeat}: plain queue: ${round(plain.perSecond)}/s (${round(plain.cpuUsPerDelivery)} µs CPU each)`);
      log(`  CPU µs per delivery: ${formatBreakdown(plain.cpu)}`);
      const after = await nextBaseline(repeat);
      const mean = (before.perSecond + after.perSecond) / 2;
      const ratio = run.perSecond / mean;
      const plainRatio = run.perSecond / plain.perSecond;
      log(`repeat ${repeat}: fan-out ${fanout}: ${round(ratio, 2)}x the mean of the baselines before (${round(before.perSecond)}/s) and after (${round(after.perSecond)}/s); ${round(plainRatio, 2)}x the plain queue (${round(plain.perSecond / mean, 2)}x the baselines)`);
      before = after;
      runs.push({ ...run, repeat, ratio, plainRatio });
      plains.push({ ...plain, repeat, fanout, ratio: plain.perSecond / mean });
    }
  }
  await receiver.close();

  const rows: (string | number)[][] = [
    [
      "baseline (delivery client only)",
      baselines.map((b) => round(b.perSecond)).join(" / "),
      round(median(baselines.map((b) => b.perSecond))),
      "1.00",
      "",
      "",
      round(median(baselines.map((b) => b.cpuUsPerDelivery))),
      "",
    ],
    [
      "plain queue (BullMQ + the same client, no database, no signing)",
      plains.map((p) => round(p.perSecond)).join(" / "),
      round(median(plains.map((p) => p.perSecond))),
      round(median(plains.map((p) => p.ratio)), 2).toFixed(2),
      "1.00",
      "",
      round(median(plains.map((p) => p.cpuUsPerDelivery))),
      "",
    ],
  ];
  for (const fanout of fanouts) {
    const of = runs.filter((r) => r.fanout === fanout);
    rows.push([
      `end-to-end, fan-out ${fanout}, 1 worker`,
      of.map((r) => round(r.perSecond)).join(" / "),
      round(median(of.map((r) => r.perSecond))),
      round(median(of.map((r) => r.ratio)), 2).toFixed(2),
      round(median(of.map((r) => r.plainRatio)), 2).toFixed(2),
      round(median(of.map((r) => r.steadyPerSecond))),
      round(median(of.map((r) => r.cpuUsPerDelivery))),
      round(maxOf(of.map((r) => r.peakRssMb[0] ?? 0))),
    ]);
  }
  process.stdout.write(
    `\n${table(
      ["run", "deliveries/s per repeat", "median deliveries/s", "median ratio to baseline", "median ratio to plain queue", "steady 10-90% /s", "CPU µs per delivery", "worker peak RSS MB (max)"],
      rows,
    )}\n`,
  );
  const file = saveResults("throughput", machine, command, { deliveries, concurrency, repositories, warmup, pastDays, baselines, plains, runs });
  log(`saved ${file}`);
});
