// One end-to-end measurement: a fresh world with `fanout` subscriptions per repository, one or more
// worker processes, a warm-up, then events published through publishEvents (in batches, as fast
// as they go) until `deliveries` have arrived at the receiver. Verifies every delivery succeeded.
import { nowMs, sleep } from "./clock.js";
import { cpuSnapshot, perDelivery, type CpuGroups } from "./cpu-breakdown.js";
import { publishSpread } from "./events.js";
import type { ReceiverProcess } from "./receiver.js";
import { OWNER, seedRepositories, seedSubscriptions, seedUser } from "./seed.js";
import { watched } from "./worker-death.js";
import { startWorkerProcess, type WorkerProcess } from "./worker-process.js";
import { createPastPartitions } from "./past-partitions.js";
import { createWorld, type World } from "./world.js";
import { opsPortOf } from "./ops-port.js";
import { parsePromText, promSum } from "./prom-text.js";

export interface E2eOptions {
  fanout: number;
  /** Deliveries measured (events = deliveries / fanout). */
  deliveries: number;
  /** Deliveries sent before measuring (JIT, connection pools, caches). */
  warmupDeliveries: number;
  /** Repositories the events are spread over (each has `fanout` subscriptions). */
  repositories: number;
  workers: number;
  workerEnv?: Record<string, string>;
  cpuProfileDir?: string;
  timeoutMs?: number;
  /** ANALYZE after the warm-up, as autovacuum would have done in a database in use (default true). */
  analyzeAfterWarmup?: boolean;
  /** Node flags of the worker processes (default: WORKER_NODE_FLAGS). */
  workerNodeFlags?: readonly string[];
  /** Another build of the worker's index.js (default: apps/worker/dist/index.js). */
  workerEntry?: string;
  /** Day partitions made behind today, as a worker keeping RETENTION's days has them (default 0). */
  pastDays?: number;
}

export interface E2eResult {
  fanout: number;
  workers: number;
  deliveries: number;
  seconds: number;
  /** Deliveries per second, from the first publish to the last arrival. */
  perSecond: number;
  /** Deliveries per second between the 10% and 90% arrivals (steady state). */
  steadyPerSecond: number;
  /** Worker CPU time (all workers) per measured delivery, µs. */
  cpuUsPerDelivery: number;
  /** Peak RSS (VmHWM) of each worker over its whole life, MB. */
  peakRssMb: number[];
  /** Machine CPU per delivery (µs) by process group. */
  cpu: CpuGroups;
  /** When the first, 10%, 90% and last deliveries arrived, ms after the first publish: ramp-up and tail. */
  arrivalsMs: { first: number; at10: number; at90: number; last: number };
  /** How the measured deliveries' first attempts went (msrwh_first_attempts_total by route, all workers): counts. */
  firstAttempts: Record<string, number>;
}

const ROUTES = ["inline", "waited", "queued", "job", "parked", "wait_expired"] as const;

/** The workers' msrwh_first_attempts_total by route, summed. */
async function firstAttemptRoutes(workers: readonly WorkerProcess[]): Promise<Record<string, number>> {
  const sum: Record<string, number> = Object.fromEntries(ROUTES.map((r) => [r, 0]));
  for (const w of workers) {
    const port = await opsPortOf(w.logFile, w.died);
    const samples = parsePromText(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    for (const route of ROUTES) sum[route] = (sum[route] ?? 0) + (promSum(samples, "msrwh_first_attempts_total", { route }) || 0);
  }
  return sum;
}

export interface E2eSetup {
  world: World;
  repositories: string[];
  workers: WorkerProcess[];
  close(): Promise<void>;
}

/** Seeds a fresh world with the owner, repositories and subscriptions, starts the workers and warms them up. */
export async function setUpE2e(receiver: ReceiverProcess, opts: Omit<E2eOptions, "deliveries">): Promise<E2eSetup> {
  const world = await createWorld();
  const workers: WorkerProcess[] = [];
  try {
    const ownerId = await seedUser(world.pool, OWNER);
    const repositories = await seedRepositories(world.pool, ownerId, opts.repositories);
    await seedSubscriptions(world.pool, { ownerId, repositories, perRepository: opts.fanout, receiverUrls: receiver.urls });
    await createPastPartitions(world.databaseUrl, opts.pastDays ?? 0);
    for (let i = 0; i < opts.workers; i += 1) {
      workers.push(
        startWorkerProcess(world, {
          env: opts.workerEnv ?? {},
          ...(opts.cpuProfileDir ? { cpuProfileDir: opts.cpuProfileDir } : {}),
          ...(opts.workerNodeFlags ? { nodeFlags: opts.workerNodeFlags } : {}),
          ...(opts.workerEntry ? { entry: opts.workerEntry } : {}),
        }),
      );
    }
    await receiver.reset();
    const warmEvents = Math.max(opts.repositories, Math.ceil(opts.warmupDeliveries / opts.fanout));
    await publishSpread(world.redis, world.prefix, repositories, warmEvents);
    await watched(receiver.waitFor(warmEvents * opts.fanout, 120_000), workers);
    // Let the warm-up's row writes and job completions settle before the clock starts.
    await sleep(500);
    if (opts.analyzeAfterWarmup ?? true) {
      // A production database has statistics; a fresh one has none until autovacuum's first
      // analyze (a minute or more), and until then every backend keeps the plans it made for empty
      // tables, foreign-key checks included (sequential scans, cost growing with every row).
      await world.pool.query("ANALYZE");
    }
    return {
      world,
      repositories,
      workers,
      async close() {
        for (const w of workers) await w.stop();
        await world.close();
      },
    };
  } catch (err) {
    for (const w of workers) await w.stop();
    await world.close();
    throw err;
  }
}

export async function deliveryStatusCounts(world: World): Promise<Record<string, number>> {
  const { rows } = await world.pool.query<{ status: string; n: string }>(
    `SELECT status, count(*) AS n FROM "Delivery" GROUP BY status`,
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

export async function runE2e(receiver: ReceiverProcess, opts: E2eOptions): Promise<E2eResult> {
  const setup = await setUpE2e(receiver, opts);
  const { world, repositories, workers } = setup;
  try {
    const events = Math.ceil(opts.deliveries / opts.fanout);
    const deliveries = events * opts.fanout;
    const { count: warmed } = await receiver.stats();
    await receiver.reset();
    const cpuBefore = workers.reduce((sum, w) => sum + w.cpuMs(), 0);
    const groups = { worker: workers.map((w) => w.pid), receiver: [receiver.pid] };
    const routesBefore = await firstAttemptRoutes(workers);
    const machineBefore = cpuSnapshot(groups, { database: world.databaseName, redisUrl: world.redisUrl });
    const startAt = nowMs();
    await publishSpread(world.redis, world.prefix, repositories, events, { offset: 1 });
    const lastAt = await watched(receiver.waitFor(deliveries, opts.timeoutMs ?? 600_000), workers);
    const cpuMs = workers.reduce((sum, w) => sum + w.cpuMs(), 0) - cpuBefore;
    const cpu = perDelivery(machineBefore, cpuSnapshot(groups, { database: world.databaseName, redisUrl: world.redisUrl }), deliveries);
    const stats = await receiver.stats();
    const peakRssMb = workers.map((w) => w.peakRssMb());
    const routesAfter = await firstAttemptRoutes(workers);
    const firstAttempts = Object.fromEntries(ROUTES.map((r) => [r, (routesAfter[r] ?? 0) - (routesBefore[r] ?? 0)]));

    // Every delivery must have been recorded as succeeded, or the number means nothing.
    let counts: Record<string, number> = {};
    for (let i = 0; i < 50; i += 1) {
      counts = await deliveryStatusCounts(world);
      if ((counts.succeeded ?? 0) >= warmed + deliveries) break;
      await sleep(100);
    }
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    if (counts.succeeded !== warmed + deliveries || total !== counts.succeeded) {
      throw new Error(`deliveries not all succeeded: ${JSON.stringify(counts)} (expected ${warmed + deliveries})`);
    }
    if (stats.count !== deliveries) throw new Error(`receiver counted ${stats.count}, expected ${deliveries}`);

    const seconds = (lastAt - startAt) / 1000;
    return {
      fanout: opts.fanout,
      workers: opts.workers,
      deliveries,
      seconds,
      perSecond: deliveries / seconds,
      steadyPerSecond: (0.8 * deliveries) / ((stats.at90 - stats.at10) / 1000),
      cpuUsPerDelivery: (cpuMs * 1000) / deliveries,
      peakRssMb,
      cpu,
      arrivalsMs: { first: stats.firstAt - startAt, at10: stats.at10 - startAt, at90: stats.at90 - startAt, last: lastAt - startAt },
      firstAttempts,
    };
  } finally {
    await setup.close();
  }
}
