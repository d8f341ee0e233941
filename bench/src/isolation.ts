// Benchmark 7: isolation. The healthy endpoints' publish-to-receive latency (p50 / p99) with one
// worker, first with healthy endpoints only (the baseline), then with one endpoint that never
// answers (every request held until the attempt's timeout) and one that answers 500 at once, all
// subscribed to the same events; reported as the ratio of the two p99s, both measured in the same
// repeat with the same worker. Also what the bad endpoints got: requests, and the most requests the
// dead one ever had open (ENDPOINT_MAX_IN_FLIGHT caps it). The behaviour behind the figures (the
// cap, probes only once a circuit is open, deferrals that spend no attempt, healthy deliveries never
// waiting behind hung ones) is asserted by apps/worker/test/isolation.test.ts; this measures it.
import type pg from "pg";
import { parseArgs } from "./support/args.js";
import { runBench } from "./support/cleanup.js";
import { nowMs } from "./support/clock.js";
import { watched } from "./support/worker-death.js";
import { publishPaced } from "./support/events.js";
import { listenLoopback, OpenRequests } from "./support/loopback-server.js";
import { startReceiverProcess, type ReceiverProcess } from "./support/receiver.js";
import { startReport } from "./support/run-header.js";
import { log, saveResults, table } from "./support/report.js";
import { OWNER, seedRepositories, seedSubscriptions, seedUser } from "./support/seed.js";
import { median, round, summarize } from "./support/stats.js";
import { startWorkerProcess, type WorkerProcess } from "./support/worker-process.js";
import { createWorld, type World } from "./support/world.js";

/** The worker's settings for this benchmark (the shape the isolation test used to measure); --env overrides them. */
const ISOLATION_ENV: Readonly<Record<string, string>> = {
  DELIVERY_TIMEOUT_MS: "2000",
  DELIVERY_CONNECT_TIMEOUT_MS: "1000",
  RETRY_SCHEDULE: "1s,5s,10s",
  ENDPOINT_MAX_IN_FLIGHT: "10",
  BREAKER_CONSECUTIVE_FAILURES: "10",
  BREAKER_MIN_ATTEMPTS: "10",
  BREAKER_FAILURE_RATIO: "0.7",
  BREAKER_WINDOW: "60s",
  BREAKER_OPEN: "10s",
};

interface BadEndpoint {
  /** The origin; any path is answered alike. */
  url: string;
  requests: number;
  /** Most requests open at once (the dead endpoint holds each until the client gives up). */
  maxOpen: number;
  reset(): void;
  close(): Promise<void>;
}

/** An HTTP endpoint in this process: `hold` never answers (the client's timeout ends each request), else 500 at once. */
async function startBadEndpoint(kind: "hold" | "fail"): Promise<BadEndpoint> {
  const open = new OpenRequests();
  const server = await listenLoopback((req, res) => {
    open.track(res);
    req.resume();
    if (kind === "fail") req.once("end", () => res.writeHead(500, { "content-length": "4" }).end("down"));
  });
  return {
    url: server.url,
    get requests() {
      return open.requests;
    },
    get maxOpen() {
      return open.maxOpen;
    },
    reset: () => open.reset(),
    close: server.close,
  };
}

/** One more TAG_PUSH subscription of the owner's `repository`, to `origin` (seedSubscriptions adds the path). */
async function seedSubscription(pool: pg.Pool, ownerId: string, repository: string, origin: string): Promise<void> {
  await seedSubscriptions(pool, { ownerId, repositories: [repository], perRepository: 1, receiverUrls: [origin] });
}

interface Run {
  deliveries: number;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
}

/** Publishes the run's events and waits until every healthy endpoint has every one; the healthy latencies. */
async function measure(
  world: World,
  receiver: ReceiverProcess,
  worker: WorkerProcess,
  opts: { repository: string; events: number; rate: number; healthy: number },
): Promise<Run> {
  await receiver.reset();
  const startAt = nowMs();
  await watched(publishPaced(world.redis, world.prefix, opts.repository, opts.events, opts.rate), [worker]);
  const deliveries = opts.events * opts.healthy;
  const lastAt = await watched(receiver.waitFor(deliveries, 300_000), [worker]);
  const { latencies } = await receiver.stats(true);
  if (latencies.length !== deliveries) throw new Error(`receiver measured ${latencies.length} latencies, expected ${deliveries}`);
  const { p50, p99, max } = summarize(latencies);
  return { deliveries, seconds: (lastAt - startAt) / 1000, p50, p99, max };
}

interface Repeat {
  repeat: number;
  baseline: Run;
  withBadEndpoints: Run;
  /** p99 with the bad endpoints / p99 of the baseline. */
  ratio: number;
  dead: { requests: number; maxOpen: number };
  failing: { requests: number };
}

runBench("isolation", async () => {
  const args = parseArgs();
  const repeats = args.number("repeats", 3);
  const events = args.number("events", 2000);
  const rate = args.number("rate", 12);
  const healthy = args.number("healthy", 20);
  const warmup = args.number("warmup", 200);
  const env = { ...ISOLATION_ENV, ...args.env };
  const { machine, command } = startReport("isolation", "Isolation");
  log(`${events} events x ${healthy} healthy endpoints (+1 dead, +1 failing) at ${rate} events/s; worker env ${JSON.stringify(env)}`);

  // Each healthy endpoint is its own origin (its own in-flight cap and breaker), as in production.
  const receiver = await startReceiverProcess(healthy);
  const dead = await startBadEndpoint("hold");
  const failing = await startBadEndpoint("fail");
  const results: Repeat[] = [];
  for (let repeat = 1; repeat <= repeats; repeat += 1) {
    const world = await createWorld();
    let worker: WorkerProcess | undefined;
    try {
      const ownerId = await seedUser(world.pool, OWNER);
      // app-0: warm-up, app-1: the baseline, app-2: the same healthy subscriptions plus the bad ones.
      const [warm, base, bad] = (await seedRepositories(world.pool, ownerId, 3)) as [string, string, string];
      await seedSubscriptions(world.pool, { ownerId, repositories: [warm, base, bad], perRepository: healthy, receiverUrls: receiver.urls });
      await seedSubscription(world.pool, ownerId, bad, dead.url);
      await seedSubscription(world.pool, ownerId, bad, failing.url);
      worker = startWorkerProcess(world, {
        env,
        ...(args.workerNodeFlags ? { nodeFlags: args.workerNodeFlags } : {}),
        ...(args.workerEntry ? { entry: args.workerEntry } : {}),
      });

      // Warm-up (JIT, connection pools, caches), so that the baseline is not the first run.
      await measure(world, receiver, worker, { repository: warm, events: Math.min(events, warmup), rate, healthy });
      await world.pool.query("ANALYZE");
      const baseline = await measure(world, receiver, worker, { repository: base, events, rate, healthy });
      // The baseline's dead rows would draw autovacuum into the second run: clean up between runs.
      await world.pool.query('VACUUM ANALYZE "Delivery", "DeliveryAttempt", "Event", "Webhook"');
      dead.reset();
      failing.reset();
      const withBadEndpoints = await measure(world, receiver, worker, { repository: bad, events, rate, healthy });
      const r: Repeat = {
        repeat,
        baseline,
        withBadEndpoints,
        ratio: withBadEndpoints.p99 / baseline.p99,
        dead: { requests: dead.requests, maxOpen: dead.maxOpen },
        failing: { requests: failing.requests },
      };
      results.push(r);
      log(
        `repeat ${repeat}: baseline p50 ${round(baseline.p50, 1)} / p99 ${round(baseline.p99, 1)} ms; ` +
          `with bad endpoints p50 ${round(withBadEndpoints.p50, 1)} / p99 ${round(withBadEndpoints.p99, 1)} ms; ` +
          `p99 ratio ${round(r.ratio, 2)}; dead endpoint ${r.dead.requests} requests (at most ${r.dead.maxOpen} open), failing endpoint ${r.failing.requests}`,
      );
    } finally {
      await worker?.stop();
      await world.close();
    }
  }
  await receiver.close();
  await dead.close();
  await failing.close();

  const rows = results.map((r) => [
    r.repeat,
    `${round(r.baseline.p50, 1)} / ${round(r.baseline.p99, 1)}`,
    `${round(r.withBadEndpoints.p50, 1)} / ${round(r.withBadEndpoints.p99, 1)}`,
    round(r.ratio, 2),
    `${r.dead.requests} (${r.dead.maxOpen})`,
    r.failing.requests,
  ]);
  rows.push(["median", "", "", round(median(results.map((r) => r.ratio)), 2), "", ""]);
  process.stdout.write(
    `\n${table(
      [
        "repeat",
        "baseline p50 / p99 ms",
        "with 1 dead + 1 failing: p50 / p99 ms",
        "p99 ratio",
        "dead endpoint: requests (most open)",
        "failing endpoint: requests",
      ],
      rows,
    )}\n`,
  );
  const file = saveResults("isolation", machine, command, { events, rate, healthy, warmup, env, results });
  log(`saved ${file}`);
});
