// Redis's CPU per attempt spent by the endpoint gate (issue 18): the worker's own RedisEndpointGate
// (apps/worker/dist, default settings, parking on) admits and releases `attempts` attempts spread
// over `endpoints` endpoints, `concurrency` at a time, as a worker's deliveries do; the baseline, in
// the same run, sends as many calls of an empty script with the same keys and arguments, pipelined
// the same way. Redis's time is read from INFO commandstats (EVALSHA's usec), so Redis must be
// otherwise idle while it runs. `--worker-dist DIR` measures another build of the worker (A/B).
// Run: pnpm --filter @msr-webhooks/bench gate-cost --attempts 20000 --repeats 3
import path from "node:path";
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import { Redis } from "ioredis";
import { deletePrefix, redisUrl } from "@msr-webhooks/testing/redis";
import { parseArgs } from "./support/args.js";
import { runBench } from "./support/cleanup.js";
import { REPO_ROOT } from "./support/paths.js";
import { log, saveResults, table } from "./support/report.js";
import { startReport } from "./support/run-header.js";
import { median, round } from "./support/stats.js";

interface Gate {
  admit(endpoint: string, now: Date, slot: string): Promise<{ admitted: boolean }>;
  release(endpoint: string, ok: boolean, slot: string, timedOut?: boolean): Promise<void>;
  onFreed(wake: (slot: string, until: number) => void): void;
}

interface GateModules {
  RedisEndpointGate: new (redis: Redis, prefix: string, settings: unknown, log: unknown) => Gate;
  gateSettings(config: unknown): unknown;
  loadConfig(env: Record<string, string>): unknown;
}

/** Calls pipelined together at most, as the gate's pipeline sends them. */
const PIPELINE = 200;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function gateModules(dist: string): Promise<GateModules> {
  const load = (file: string) => import(pathToFileURL(path.join(dist, file)).href) as Promise<Record<string, unknown>>;
  const [gate, settings, config] = await Promise.all([load("isolation/redis-endpoint-gate.js"), load("isolation/gate-settings.js"), load("config.js")]);
  return { RedisEndpointGate: gate.RedisEndpointGate, gateSettings: settings.gateSettings, loadConfig: config.loadConfig } as GateModules;
}

/** EVALSHA's calls and µs so far, server-wide. */
async function evalStats(redis: Redis): Promise<{ calls: number; usec: number }> {
  const match = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(await redis.info("commandstats"));
  return { calls: Number(match?.[1] ?? 0), usec: Number(match?.[2] ?? 0) };
}

/** Runs `count` tasks, `concurrency` at a time. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

runBench("gate-cost", async () => {
  const args = parseArgs();
  const attempts = args.number("attempts", 20_000);
  const endpoints = args.number("endpoints", 100);
  const concurrency = args.number("concurrency", 200);
  const repeats = args.number("repeats", 3);
  const dist = args.string("worker-dist", path.join(REPO_ROOT, "apps/worker/dist"));
  const { machine, command } = startReport("gate-cost", "Redis's CPU per attempt in the endpoint gate");
  const modules = await gateModules(dist);
  const settings = modules.gateSettings(modules.loadConfig({ DATABASE_URL: "postgres://unused/db", REDIS_URL: redisUrl() }));
  const runs: { gateUsPerAttempt: number; baselineUsPerCall: number; ratio: number; refused: number }[] = [];
  for (let r = 1; r <= repeats; r++) {
    const prefix = `msrwh-bench-${randomUUID().slice(0, 10)}`;
    const redis = new Redis(redisUrl(), { maxRetriesPerRequest: null });
    const stats = new Redis(redisUrl());
    try {
      const gate = new modules.RedisEndpointGate(redis, prefix, settings, quiet);
      gate.onFreed(() => undefined);
      const url = (i: number) => `http://endpoint-${i % endpoints}.bench.test/hook`;
      let refused = 0;
      const before = await evalStats(stats);
      await pool(attempts, concurrency, async (i) => {
        const slot = `attempt-${r}-${i}`;
        const admission = await gate.admit(url(i), new Date(), slot);
        if (!admission.admitted) {
          refused += 1;
          return;
        }
        await gate.release(url(i), true, slot, false);
      });
      const middle = await evalStats(stats);
      // The baseline: as many calls of an empty script, with the admit's keys and arguments.
      redis.defineCommand("msrwhBenchNop", { numberOfKeys: 3, lua: "return 1" });
      const calls = middle.calls - before.calls;
      for (let i = 0; i < calls; i += PIPELINE) {
        const pipeline = redis.pipeline() as unknown as { msrwhBenchNop(...a: (string | number)[]): unknown; exec(): Promise<unknown> };
        for (let k = i; k < Math.min(calls, i + PIPELINE); k++) pipeline.msrwhBenchNop(`${prefix}:a:{x}`, `${prefix}:b:{x}`, `${prefix}:c:{x}`, `slot-${k}`, 10, 35000, 1000, 95000, 20, 3, 2, 1);
        await pipeline.exec();
      }
      const after = await evalStats(stats);
      const gateUsPerAttempt = (middle.usec - before.usec) / attempts;
      const baselineUsPerCall = (after.usec - middle.usec) / Math.max(1, after.calls - middle.calls);
      runs.push({ gateUsPerAttempt: round(gateUsPerAttempt, 2), baselineUsPerCall: round(baselineUsPerCall, 2), ratio: round(gateUsPerAttempt / baselineUsPerCall, 2), refused });
      log(`repeat ${r}: gate ${round(gateUsPerAttempt, 2)} µs of Redis per attempt (${calls} script calls for ${attempts} attempts, ${refused} refused); empty script ${round(baselineUsPerCall, 2)} µs per call`);
    } finally {
      redis.disconnect();
      stats.disconnect();
      await deletePrefix(prefix);
    }
  }
  const m = (pick: (run: (typeof runs)[number]) => number) => round(median(runs.map(pick)), 2);
  process.stdout.write(
    `\n${table(
      ["build", "gate µs of Redis per attempt (admit + release), per repeat", "median", "empty script µs per call (median)", "median ratio"],
      [[dist, runs.map((x) => x.gateUsPerAttempt).join(" / "), m((x) => x.gateUsPerAttempt), m((x) => x.baselineUsPerCall), m((x) => x.ratio)]],
    )}\n`,
  );
  log(`saved ${saveResults("gate-cost", machine, command, { attempts, endpoints, concurrency, dist, runs })}`);
});
