// Issue 20's figure: the cost of fan-out with per-webhook filters at 1,000,000 stored subscriptions,
// against fan-out without them (the bar: within 1.2x). One world: the measured owner's repository
// with 10 TAG_PUSH webhooks to the receiver, filler subscriptions up to `--size` (as the cost
// benchmark's), VACUUM ANALYZE. Then `--rounds` rounds, each fan-out time (Event.fannedOutAt -
// receivedAt, one event at a time through the real worker) without filters, then with them: tag
// globs in WebhookSettings on the 10 matched webhooks (5 skip the event's tag, whose skipped
// deliveries are recorded; 5 pass it) and on a tenth of the filler. Reported: p50 / p95 per round
// and the ratio of the medians of the rounds' p50s; and, as fan-out time on a busy machine is mostly
// waiting for a turn, the worker's match statement (which joins the settings) under EXPLAIN ANALYZE
// without and with the settings rows, median of 30 runs each round.
import { parseArgs } from "./support/args.js";
import { runBench } from "./support/cleanup.js";
import { nowMs } from "./support/clock.js";
import { clearFilters, seedFillerSubscriptions, seedFilters } from "./support/cost-seed.js";
import { measureFanout, type Timing } from "./support/fanout-timing.js";
import { machineInfo } from "./support/machine.js";
import { explainMatch } from "./support/match-sql.js";
import { startReceiverProcess } from "./support/receiver.js";
import { log, printHeader, saveResults, table } from "./support/report.js";
import { OWNER, seedRepositories, seedSubscriptions, seedUser } from "./support/seed.js";
import { median, round } from "./support/stats.js";
import { createWorld } from "./support/world.js";

const MATCHED = 10;

runBench("filter-cost", async () => {
  const args = parseArgs();
  const size = args.number("size", 1_000_000);
  const rounds = args.number("rounds", 3);
  const events = args.number("events", 100);
  const machine = machineInfo();
  const command = `pnpm --filter @msr-webhooks/bench filter-cost ${process.argv.slice(2).join(" ")}`.trim();
  printHeader("Fan-out with per-webhook filters", machine, command);
  const receiver = await startReceiverProcess(args.number("origins", 10));
  const world = await createWorld();
  const results: { round: number; without: Timing; with: Timing; skipped: number; matchMs: { without: number; with: number } }[] = [];
  try {
    const seedStart = nowMs();
    const ownerId = await seedUser(world.pool, OWNER);
    const [repository = "app-0"] = await seedRepositories(world.pool, ownerId, 1);
    await seedSubscriptions(world.pool, { ownerId, repositories: [repository], perRepository: MATCHED, receiverUrls: receiver.urls });
    await seedFillerSubscriptions(world.pool, size - MATCHED);
    await world.pool.query("VACUUM ANALYZE");
    log(`${size} subscriptions seeded in ${round((nowMs() - seedStart) / 1000, 1)} s`);
    const { rows } = await world.pool.query<{ id: string }>(`SELECT id FROM "Webhook" WHERE "authorId" = $1 ORDER BY id`, [ownerId]);
    const ids = rows.map((r) => r.id);
    const skipping = ids.slice(0, MATCHED / 2);
    const passing = ids.slice(MATCHED / 2);
    const fanout = (delivered: number) =>
      measureFanout(world, receiver, {
        events,
        namespace: OWNER,
        repository,
        delivered,
        ...(args.workerEntry ? { workerEntry: args.workerEntry } : {}),
      });
    for (let n = 1; n <= rounds; n += 1) {
      await clearFilters(world.pool);
      const matchWithout = await explainMatch(world.pool, OWNER, repository, 30);
      const without = (await fanout(MATCHED)).fanoutMs;
      await seedFilters(world.pool, { skipping, passing });
      const matchWith = await explainMatch(world.pool, OWNER, repository, 30);
      const withFilters = (await fanout(passing.length)).fanoutMs;
      const skipped = await world.pool.query<{ n: string }>(`SELECT count(*) AS n FROM "Delivery" WHERE status = 'skipped'`);
      const result = {
        round: n,
        without,
        with: withFilters,
        skipped: Number(skipped.rows[0]?.n ?? 0),
        matchMs: { without: matchWithout.ms, with: matchWith.ms },
      };
      results.push(result);
      log(
        `round ${n}: fan-out p50 / p95 without filters ${round(without.p50, 2)} / ${round(without.p95, 2)} ms, ` +
          `with ${round(withFilters.p50, 2)} / ${round(withFilters.p95, 2)} ms (${round(withFilters.p50 / without.p50, 2)}x); ` +
          `${result.skipped} skipped deliveries recorded so far; match statement ${round(matchWithout.ms, 3)} ms without, ` +
          `${round(matchWith.ms, 3)} ms with [${matchWith.scans.join(", ")}]`,
      );
    }
  } finally {
    await world.close();
    await receiver.close();
  }
  const without = median(results.map((r) => r.without.p50));
  const withFilters = median(results.map((r) => r.with.p50));
  const rowsOut = results.map((r) => [
    r.round,
    `${round(r.without.p50, 2)} / ${round(r.without.p95, 2)}`,
    `${round(r.with.p50, 2)} / ${round(r.with.p95, 2)}`,
    round(r.with.p50 / r.without.p50, 2).toFixed(2),
    `${round(r.matchMs.without, 3)} / ${round(r.matchMs.with, 3)}`,
  ]);
  const matchWithout = median(results.map((r) => r.matchMs.without));
  const matchWith = median(results.map((r) => r.matchMs.with));
  rowsOut.push([
    "median",
    round(without, 2),
    round(withFilters, 2),
    round(withFilters / without, 2).toFixed(2),
    `${round(matchWithout, 3)} / ${round(matchWith, 3)} (${round(matchWith / matchWithout, 2).toFixed(2)}x)`,
  ]);
  process.stdout.write(
    `\n${table([`round (${size.toLocaleString("en-US")} subscriptions)`, "fan-out ms p50 / p95 without filters", "with filters", "ratio of p50s", "match statement ms without / with"], rowsOut)}\n`,
  );
  const file = saveResults("filter-cost", machine, command, { size, events, results });
  log(`saved ${file}`);
});
