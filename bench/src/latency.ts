// Benchmark 3: publish-to-receive latency (p50 / p95 / p99) with one worker at 25% and 50% of the
// maximum rate measured in the same repeat (fan-out 10 by default). Events are published at a
// steady pace, each carrying its publish time; the receiver records each arrival against it.
import { parseArgs } from "./support/args.js";
import { runBench } from "./support/cleanup.js";
import { nowMs, sleep } from "./support/clock.js";
import { runE2e, setUpE2e } from "./support/e2e-run.js";
import { watched } from "./support/worker-death.js";
import { tagPushEvent } from "./support/events.js";
import { startReceiverProcess, type ReceiverProcess } from "./support/receiver.js";
import { startReport } from "./support/run-header.js";
import { log, saveResults, table } from "./support/report.js";
import { median, round, summarize } from "./support/stats.js";
import { publishEvents, type PublishableEvent } from "@msr-webhooks/events/publish";

interface PacedResult {
  fraction: number;
  targetPerSecond: number;
  achievedPerSecond: number;
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  peakRssMb: number;
}

async function paced(
  receiver: ReceiverProcess,
  opts: {
    fanout: number;
    repositories: number;
    perSecond: number;
    seconds: number;
    warmup: number;
    env: Record<string, string>;
    nodeFlags: string[] | undefined;
    entry: string | undefined;
  },
): Promise<Omit<PacedResult, "fraction">> {
  const setup = await setUpE2e(receiver, {
    fanout: opts.fanout,
    repositories: opts.repositories,
    warmupDeliveries: opts.warmup,
    workers: 1,
    workerEnv: opts.env,
    ...(opts.nodeFlags ? { workerNodeFlags: opts.nodeFlags } : {}),
    ...(opts.entry ? { workerEntry: opts.entry } : {}),
  });
  try {
    const { world, repositories, workers } = setup;
    await receiver.reset();
    const eventsPerSecond = opts.perSecond / opts.fanout;
    const total = Math.round(eventsPerSecond * opts.seconds);
    const startAt = nowMs();
    let published = 0;
    // Publish what is due every few ms: a steady stream, not bursts, as independent producers would.
    while (published < total) {
      const due = Math.min(total, Math.floor(((nowMs() - startAt) / 1000) * eventsPerSecond)) - published;
      if (due > 0) {
        const at = nowMs();
        const events: PublishableEvent[] = [];
        for (let i = 0; i < due; i += 1) events.push(tagPushEvent(repositories[(published + i) % repositories.length] as string, at));
        await watched(publishEvents(world.redis, events, { prefix: world.prefix }), workers);
        published += due;
      }
      await sleep(2);
    }
    const lastAt = await watched(receiver.waitFor(total * opts.fanout, 120_000), workers);
    const { latencies } = await receiver.stats(true);
    // One sort for every order statistic: a 300-second run holds hundreds of thousands of samples.
    const { count: samples, p50, p95, p99, max } = summarize(latencies);
    return {
      targetPerSecond: opts.perSecond,
      achievedPerSecond: (total * opts.fanout) / ((lastAt - startAt) / 1000),
      samples,
      p50,
      p95,
      p99,
      max,
      peakRssMb: workers[0]?.peakRssMb() ?? 0,
    };
  } finally {
    await setup.close();
  }
}

runBench("latency", async () => {
  const args = parseArgs();
  const repeats = args.number("repeats", 3);
  const fanout = args.number("fanout", 10);
  const fractions = args.numbers("fractions", [0.25, 0.5]);
  const seconds = args.number("seconds", 20);
  const repositories = args.number("repositories", 200);
  const warmup = args.number("warmup", 2000);
  const maxDeliveries = args.number("deliveries", 20_000);
  const { machine, command } = startReport("latency", "Latency");

  const receiver = await startReceiverProcess(args.number("origins", 100));
  const results: (PacedResult & { repeat: number; maxPerSecond: number })[] = [];
  for (let repeat = 1; repeat <= repeats; repeat += 1) {
    // The maximum of this repeat: the same end-to-end run as the throughput benchmark.
    const max = await runE2e(receiver, { fanout, deliveries: maxDeliveries, warmupDeliveries: warmup, repositories, workers: 1, workerEnv: args.env, ...(args.workerNodeFlags ? { workerNodeFlags: args.workerNodeFlags } : {}),
        ...(args.workerEntry ? { workerEntry: args.workerEntry } : {}) });
    log(`repeat ${repeat}: maximum ${round(max.perSecond)} deliveries/s at fan-out ${fanout}`);
    for (const fraction of fractions) {
      const r = await paced(receiver, { fanout, repositories, perSecond: fraction * max.perSecond, seconds, warmup, env: args.env, nodeFlags: args.workerNodeFlags, entry: args.workerEntry });
      results.push({ ...r, fraction, repeat, maxPerSecond: max.perSecond });
      log(
        `repeat ${repeat}: ${fraction * 100}% = ${round(r.targetPerSecond)}/s (achieved ${round(r.achievedPerSecond)}/s, ${r.samples} samples): ` +
          `p50 ${round(r.p50, 1)} ms, p95 ${round(r.p95, 1)} ms, p99 ${round(r.p99, 1)} ms, max ${round(r.max, 1)} ms`,
      );
    }
  }
  await receiver.close();

  const rows = fractions.map((fraction) => {
    const of = results.filter((r) => r.fraction === fraction);
    return [
      `${fraction * 100}% of max, fan-out ${fanout}, 1 worker`,
      round(median(of.map((r) => r.targetPerSecond))),
      of.map((r) => `${round(r.p50, 1)} / ${round(r.p95, 1)} / ${round(r.p99, 1)}`).join("; "),
      round(median(of.map((r) => r.p50)), 1),
      round(median(of.map((r) => r.p95)), 1),
      round(median(of.map((r) => r.p99)), 1),
    ];
  });
  process.stdout.write(
    `\n${table(["load", "median rate /s", "p50 / p95 / p99 ms per repeat", "median p50 ms", "median p95 ms", "median p99 ms"], rows)}\n`,
  );
  const file = saveResults("latency", machine, command, { fanout, seconds, repositories, results });
  log(`saved ${file}`);
});
