// Benchmark 9: fair delivery between owners. A healthy user's publish-to-receive latency (p50 / p99)
// with one worker, first alone (the baseline), then while another user (an admin, so that its
// webhooks may subscribe to the same repository) has --hostile-owner endpoints (default 20) that
// accept every request and never answer (each held until the attempt's timeout); reported as the
// ratio of the two p99s (target: within 2x). Without OWNER_MAX_SHARE the hostile owner's origins x
// ENDPOINT_MAX_IN_FLIGHT fill every delivery slot. Also the most requests the hostile endpoints had
// open at once, all together (at most OWNER_MAX_SHARE x DELIVERY_CONCURRENCY). The behaviour is
// asserted by apps/worker/test/security-fair-delivery.test.ts; this measures it.
// Run: pnpm --filter @msr-webhooks/bench prepare-bench && node bench/dist/fairness.js --events 100
import type pg from "pg";
import { parseArgs } from "./support/args.js";
import { runBench } from "./support/cleanup.js";
import { cpuSnapshot, type CpuGroups } from "./support/cpu-breakdown.js";
import { watched } from "./support/worker-death.js";
import { publishPaced } from "./support/events.js";
import { listenLoopback, OpenRequests } from "./support/loopback-server.js";
import { startReceiverProcess, type ReceiverProcess } from "./support/receiver.js";
import { startReport } from "./support/run-header.js";
import { log, saveResults, table } from "./support/report.js";
import { OWNER, seedRepositories, seedSubscriptions, seedUser } from "./support/seed.js";
import { percentile, round } from "./support/stats.js";
import { deferralsLogged } from "./support/worker-log.js";
import { startWorkerProcess, type WorkerProcess } from "./support/worker-process.js";
import { createWorld, type World } from "./support/world.js";

/** The worker's settings (the defaults that matter, spelled out); --env overrides them. */
const FAIRNESS_ENV: Readonly<Record<string, string>> = {
  DELIVERY_CONCURRENCY: "200",
  ENDPOINT_MAX_IN_FLIGHT: "10",
  OWNER_MAX_SHARE: "0.25",
  DELIVERY_TIMEOUT_MS: "15000",
  RETRY_SCHEDULE: "1s,5s,10s",
};

/** The hostile owner's endpoints: every request held open until the client gives up; counted together. */
async function startHeldEndpoints(count: number): Promise<{ urls: string[]; requests: () => number; maxOpen: () => number }> {
  const open = new OpenRequests();
  const urls: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const server = await listenLoopback((req, res) => {
      open.track(res);
      req.resume();
    });
    urls.push(`${server.url}/hook`);
  }
  return { urls, requests: () => open.requests, maxOpen: () => open.maxOpen };
}

async function seedHostileWebhooks(pool: pg.Pool, authorId: string, ownerId: string, repository: string, urls: readonly string[]): Promise<void> {
  await pool.query(
    `INSERT INTO "Webhook" (id, type, key, "namespaceId", "repositoryId", endpoint, "authorId", "createdAt", "skipTLSVerification", "signingSecret")
     SELECT encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex'), 'TAG_PUSH', $1 || '/' || $2, $3, rp.id, u, $4, now(), true,
            'whsec_' || encode(decode(md5(random()::text) || md5(random()::text), 'hex'), 'base64')
       FROM unnest($5::text[]) AS u JOIN "Repository" AS rp ON rp."namespaceId" = $3 AND rp.name = $2`,
    [OWNER, repository, ownerId, authorId, urls],
  );
}

interface Run {
  p50: number;
  p99: number;
  seconds: number;
  /** CPU time over the run, in ms per second of the run: the machine's, the worker's, redis-server's, postgres'. */
  cpu: { machine: number; worker: number; redis: number; postgres: number };
}

/** The worker logs its deferral counts every 10 s: wait for the line covering the end of a run. */
const DEFERRAL_LOG_WAIT_MS = 10_500;

async function measure(
  world: World,
  receiver: ReceiverProcess,
  worker: WorkerProcess,
  opts: { repository: string; events: number; rate: number; healthy: number; alongside?: string },
): Promise<Run> {
  await receiver.reset();
  const started = Date.now();
  const snapshot = (): CpuGroups => cpuSnapshot({ worker: [worker.pid] }, { database: world.databaseName, redisUrl: world.redisUrl });
  const cpuBefore = snapshot();
  // The other owner publishing its own events at the same rate, when it has a repository of its own.
  const publishing = [opts.repository, ...(opts.alongside ? [opts.alongside] : [])].map((repository) =>
    publishPaced(world.redis, world.prefix, repository, opts.events, opts.rate),
  );
  await watched(Promise.all(publishing), [worker]);
  const deliveries = opts.events * opts.healthy;
  await watched(receiver.waitFor(deliveries, 300_000), [worker]);
  const { latencies } = await receiver.stats(true);
  if (latencies.length !== deliveries) throw new Error(`receiver measured ${latencies.length} latencies, expected ${deliveries}`);
  const seconds = (Date.now() - started) / 1000;
  const cpuAfter = snapshot();
  const perS = (...keys: string[]): number => round(keys.reduce((sum, k) => sum + (cpuAfter[k] ?? 0) - (cpuBefore[k] ?? 0), 0) / seconds, 0);
  const cpu = {
    machine: perS("machine"),
    worker: perS("worker"),
    redis: perS("redis-server (run)", "redis-server (rest)"),
    postgres: perS("postgres (run db)", "postgres (rest)"),
  };
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), seconds, cpu };
}

runBench("fairness", async () => {
  const args = parseArgs();
  const events = args.number("events", 1000);
  const rate = args.number("rate", 12);
  const healthy = args.number("healthy", 5);
  const hostileEndpoints = args.number("hostile-owner", 20);
  const warmup = args.number("warmup", 100);
  // own (default): the other owner's webhooks are on a repository of its own, where it publishes its
  // own events at the healthy user's rate (the attack as the issue describes it). shared: its webhooks
  // are on the healthy user's repository too, so each of those events fans out to both (the first
  // rounds' design; its ratio also holds the cost of five times the fan-out per event).
  const hostileEvents = args.string("hostile-events", "own");
  if (hostileEvents !== "own" && hostileEvents !== "shared") throw new Error("--hostile-events is own or shared");
  const env = { ...FAIRNESS_ENV, ...args.env };
  const { machine, command } = startReport("fairness", "Fairness", `node bench/dist/fairness.js ${process.argv.slice(2).join(" ")}`.trim());
  log(
    `${events} events x ${healthy} healthy endpoints at ${rate} events/s, then with another owner's ${hostileEndpoints} hanging endpoints ` +
      `(${hostileEvents === "own" ? "on its own repository, publishing its own events at the same rate" : "on the same repository"}); worker env ${JSON.stringify(env)}`,
  );

  const receiver = await startReceiverProcess(healthy);
  const held = await startHeldEndpoints(hostileEndpoints);
  const world = await createWorld();
  let worker: WorkerProcess | undefined;
  try {
    const ownerId = await seedUser(world.pool, OWNER);
    const hostileId = await seedUser(world.pool, "mallory", { isAdmin: true });
    const [warm, base, again, bad] = (await seedRepositories(world.pool, ownerId, 4)) as [string, string, string, string];
    const healthyRepositories = hostileEvents === "own" ? [warm, base, again] : [warm, base, bad];
    await seedSubscriptions(world.pool, { ownerId, repositories: healthyRepositories, perRepository: healthy, receiverUrls: receiver.urls });
    await seedHostileWebhooks(world.pool, hostileId, ownerId, bad, held.urls);
    worker = startWorkerProcess(world, {
      env,
      ...(args.workerNodeFlags ? { nodeFlags: args.workerNodeFlags } : {}),
      ...(args.workerEntry ? { entry: args.workerEntry } : {}),
    });
    await measure(world, receiver, worker, { repository: warm, events: Math.min(events, warmup), rate, healthy });
    const baseline = await measure(world, receiver, worker, { repository: base, events, rate, healthy });
    const hostileFrom = Date.now();
    const withHostile = await measure(
      world,
      receiver,
      worker,
      hostileEvents === "own" ? { repository: again, events, rate, healthy, alongside: bad } : { repository: bad, events, rate, healthy },
    );
    const hostileTo = Date.now();
    const ratio = withHostile.p99 / baseline.p99;
    await new Promise((resolve) => setTimeout(resolve, DEFERRAL_LOG_WAIT_MS));
    const deferrals = deferralsLogged(worker.logFile, hostileFrom, hostileTo + DEFERRAL_LOG_WAIT_MS);
    const deferralsPerS = Object.fromEntries(Object.entries(deferrals).map(([k, v]) => [k, round(v / withHostile.seconds, 1)]));
    process.stdout.write(
      `\n${table(
        [
          "baseline p50 / p99 ms",
          `with ${hostileEndpoints} hanging endpoints of another owner: p50 / p99 ms`,
          "p99 ratio",
          "hostile requests (most open at once)",
          "CPU ms/s, baseline / hostile: machine, worker, redis, postgres",
          "deferrals/s in the hostile run, by reason",
        ],
        [
          [
            `${round(baseline.p50, 1)} / ${round(baseline.p99, 1)}`,
            `${round(withHostile.p50, 1)} / ${round(withHostile.p99, 1)}`,
            round(ratio, 2),
            `${held.requests()} (${held.maxOpen()})`,
            `${Object.values(baseline.cpu).join(", ")} / ${Object.values(withHostile.cpu).join(", ")}`,
            JSON.stringify(deferralsPerS),
          ],
        ],
      )}\n`,
    );
    const file = saveResults("fairness", machine, command, { events, rate, healthy, hostileEndpoints, hostileEvents, env, baseline, withHostile, ratio, deferrals, deferralsPerS, hostile: { requests: held.requests(), maxOpen: held.maxOpen() } });
    log(`saved ${file}`);
  } finally {
    await worker?.stop();
    await world.close();
    await receiver.close();
  }
});
