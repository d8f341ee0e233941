// Benchmark 8: the worker's memory under hostile receivers. One worker process delivers every event
// to four endpoints in this process: one resets the connection, one answers 200 and one 500 with a
// 10 MB body, one trickles a byte every 100 ms past the attempt's timeout. Reported: the worker's
// resident memory (VmRSS) after one warm-up round and after `--rounds` more, and its peak (VmHWM).
// Were response bodies buffered, every round would cost the worker tens of MB. Whether each
// attempt is recorded as what it is, and that the worker reads no more of a response than the
// 16 KiB it keeps, is asserted by apps/worker/test/faults-receivers.test.ts; this measures memory.
import type http from "node:http";
import { publishEvents } from "@msr-webhooks/events/publish";
import { parseArgs } from "./support/args.js";
import { runBench } from "./support/cleanup.js";
import { nowMs, sleep } from "./support/clock.js";
import { deliveryStatusCounts } from "./support/e2e-run.js";
import { watched } from "./support/worker-death.js";
import { tagPushEvent } from "./support/events.js";
import { listenLoopback, type LoopbackServer } from "./support/loopback-server.js";
import { memoryOf } from "./support/proc-stats.js";
import { startReport } from "./support/run-header.js";
import { log, saveResults, table } from "./support/report.js";
import { OWNER, seedRepositories, seedSubscriptions, seedUser } from "./support/seed.js";
import { median, round } from "./support/stats.js";
import { startWorkerProcess, type WorkerProcess } from "./support/worker-process.js";
import { createWorld, type World } from "./support/world.js";

/** The worker's settings for this benchmark (the faults-receivers test's); --env overrides them. */
const HOSTILE_ENV: Readonly<Record<string, string>> = {
  DELIVERY_TIMEOUT_MS: "800",
  RETRY_SCHEDULE: "50ms,50ms",
  DELIVERY_CONCURRENCY: "50",
  // The test runs with the endpoint circuit breaker off (the harness's TEST_ENV): with it on, the
  // three failing endpoints' circuits open, their retries wait for probes, and a round never settles.
  BREAKER_CONSECUTIVE_FAILURES: "100000",
  BREAKER_MIN_ATTEMPTS: "100000",
};

const TEN_MB = 10 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, "x");

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Streams 10 MB with backpressure; stops when the client goes away. */
function bigBody(status: number): Handler {
  return (_req, res) => {
    res.writeHead(status, { "Content-Type": "text/plain", "Content-Length": String(TEN_MB) });
    let sent = 0;
    const pump = (): void => {
      while (sent < TEN_MB) {
        sent += CHUNK.length;
        if (!res.write(CHUNK)) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    res.once("close", () => res.removeAllListeners("drain"));
    pump();
  };
}

const HOSTILE: Record<string, Handler> = {
  reset: (req) => req.socket.resetAndDestroy(),
  big200: bigBody(200),
  big500: bigBody(500),
  trickle: (_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain" });
    const timer = setInterval(() => res.write("."), 100);
    res.once("close", () => clearInterval(timer));
  },
};

function serve(handler: Handler): Promise<LoopbackServer> {
  return listenLoopback((req, res) => {
    req.resume();
    req.once("end", () => handler(req, res));
  });
}

async function settleRound(world: World, worker: WorkerProcess, repository: string, count: number, expected: number): Promise<number> {
  const startAt = nowMs();
  await publishEvents(
    world.redis,
    Array.from({ length: count }, () => tagPushEvent(repository, nowMs())),
    { prefix: world.prefix },
  );
  const deadline = Date.now() + 300_000;
  for (;;) {
    const counts = await watched(deliveryStatusCounts(world), [worker]);
    if ((counts.succeeded ?? 0) + (counts.failed ?? 0) >= expected) break;
    if (Date.now() > deadline) throw new Error(`deliveries did not settle: ${JSON.stringify(counts)} (expected ${expected})`);
    await sleep(100);
  }
  return (nowMs() - startAt) / 1000;
}

interface Repeat {
  repeat: number;
  attempts: number;
  seconds: number;
  rssAfterWarmupMb: number;
  rssAfterMb: number;
  growthMb: number;
  peakRssMb: number;
}

runBench("hostile", async () => {
  const args = parseArgs();
  const repeats = args.number("repeats", 3);
  const rounds = args.number("rounds", 12);
  const env = { ...HOSTILE_ENV, ...args.env };
  const { machine, command } = startReport("hostile", "Hostile receivers");

  const servers = await Promise.all(Object.entries(HOSTILE).map(async ([name, handler]) => ({ name, ...(await serve(handler)) })));
  const results: Repeat[] = [];
  for (let repeat = 1; repeat <= repeats; repeat += 1) {
    const world = await createWorld();
    let worker: WorkerProcess | undefined;
    try {
      const ownerId = await seedUser(world.pool, OWNER);
      const [repository] = (await seedRepositories(world.pool, ownerId, 1)) as [string];
      // One subscription per hostile server (each its own origin).
      await seedSubscriptions(world.pool, { ownerId, repositories: [repository], perRepository: servers.length, receiverUrls: servers.map((s) => s.url) });
      worker = startWorkerProcess(world, {
        env,
        ...(args.workerNodeFlags ? { nodeFlags: args.workerNodeFlags } : {}),
        ...(args.workerEntry ? { entry: args.workerEntry } : {}),
      });
      const pid = worker.pid;
      // One round first, so that lazily built things (pools, caches, JIT) are in place before measuring.
      await settleRound(world, worker, repository, 1, servers.length);
      await sleep(500);
      const before = memoryOf(pid);
      const seconds = await settleRound(world, worker, repository, rounds, servers.length * (rounds + 1));
      await sleep(500);
      const after = memoryOf(pid);
      if (!before || !after) throw new Error(`worker ${pid} is gone`);
      const { rows } = await world.pool.query<{ n: string }>(`SELECT count(*) AS n FROM "DeliveryAttempt"`);
      const r: Repeat = {
        repeat,
        attempts: Number(rows[0]?.n ?? 0),
        seconds,
        rssAfterWarmupMb: before.rssMb,
        rssAfterMb: after.rssMb,
        growthMb: after.rssMb - before.rssMb,
        peakRssMb: worker.peakRssMb(),
      };
      results.push(r);
      log(
        `repeat ${repeat}: ${r.attempts} attempts; RSS ${round(r.rssAfterWarmupMb, 1)} MB after the warm-up, ` +
          `${round(r.rssAfterMb, 1)} MB after ${rounds} rounds (+${round(r.growthMb, 1)} MB), peak ${round(r.peakRssMb, 1)} MB`,
      );
    } finally {
      await worker?.stop();
      await world.close();
    }
  }
  for (const s of servers) await s.close();

  const rows: (string | number)[][] = results.map((r) => [r.repeat, r.attempts, round(r.rssAfterWarmupMb, 1), round(r.rssAfterMb, 1), round(r.growthMb, 1), round(r.peakRssMb, 1)]);
  rows.push(["median", "", "", "", round(median(results.map((r) => r.growthMb)), 1), round(median(results.map((r) => r.peakRssMb)), 1)]);
  process.stdout.write(
    `\n${table(["repeat", "attempts", "RSS after warm-up MB", `RSS after ${rounds} rounds MB`, "growth MB", "peak RSS MB"], rows)}\n`,
  );
  const file = saveResults("hostile", machine, command, { rounds, env, results });
  log(`saved ${file}`);
});
