// Issue 18's memory figure: the API's and the worker's RSS when idle, and what it is made of. One
// fresh world; the API and one worker started as deployed (their start scripts' node flags); after
// `--settle` seconds with nothing to do (default 120; the worker's maintenance schedulers run as
// they would), per process: VmRSS and VmHWM (/proc/<pid>/status); anonymous memory and file-backed
// memory (the node binary and shared libraries) from /proc/<pid>/smaps_rollup; and V8's view from
// its /metrics (prom-client): heap used and total per space, external and array buffers. `--samples`
// readings 2 s apart; the table shows the last. Idle means after V8's memory reducer has had its
// turn: it shrinks the young generation grown at start or by a burst some time after the process
// has gone quiet (here: 25-40 s after the start, about 67-97 s after the worker's burst below), so a
// reading taken sooner shows that young generation (up to 32 MB for the API, 64 MB for the worker).
// `--api-requests N` first makes N `GET /api/v0/webhooks` (8 at a time), so the API's reading is
// idle after work, not only after its start; `--worker-events N` publishes N events (TAG_PUSH to a
// repository nobody subscribes to: ingest and the fan-out's match) and waits until the worker has
// stored and fanned them all out, likewise. `--api-node-flags="..."` and `--worker-node-flags="..."`
// try other node flags than the start scripts'; `--env KEY=VALUE` is set for both processes.
import { readFileSync } from "node:fs";
import { ADMIN_PASSWORD, ADMIN_USER, startApiProcess } from "./support/api-process.js";
import { parseArgs } from "./support/args.js";
import { runBench } from "./support/cleanup.js";
import { nowMs, sleep } from "./support/clock.js";
import { publishSpread } from "./support/events.js";
import { basicAuth, expectStatus } from "./support/http.js";
import { machineInfo } from "./support/machine.js";
import { opsPortOf } from "./support/ops-port.js";
import { startScriptFlags } from "./support/paths.js";
import { parsePromText, promSum, type PromSample } from "./support/prom-text.js";
import { log, printHeader, saveResults, table } from "./support/report.js";
import { round } from "./support/stats.js";
import { startWorkerProcess } from "./support/worker-process.js";
import { createWorld, type World } from "./support/world.js";

const MB = 1024 * 1024;

function kbField(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function reading(pid: number, metricsUrl: string): Promise<Record<string, number>> {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const smaps = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const res = await fetch(metricsUrl);
  const m: PromSample[] = parsePromText(await res.text());
  const out: Record<string, number> = {
    rss: kbField(status, "VmRSS"),
    peak: kbField(status, "VmHWM"),
    anonymous: kbField(smaps, "Anonymous"),
    fileBacked: kbField(status, "RssFile"),
    heapUsed: promSum(m, "nodejs_heap_size_used_bytes") / MB,
    heapTotal: promSum(m, "nodejs_heap_size_total_bytes") / MB,
    external: promSum(m, "nodejs_external_memory_bytes") / MB,
  };
  for (const s of m) {
    if (s.name === "nodejs_heap_space_size_used_bytes" && s.labels.space) out[`used:${s.labels.space}`] = s.value / MB;
    if (s.name === "nodejs_heap_space_size_total_bytes" && s.labels.space) out[`total:${s.labels.space}`] = s.value / MB;
  }
  return out;
}

/** `count` authenticated webhook listings, 8 at a time. */
async function busyApi(url: string, count: number): Promise<void> {
  const auth = basicAuth(ADMIN_USER, ADMIN_PASSWORD);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      await expectStatus(200, "GET", `${url}/api/v0/webhooks`, { auth });
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
}

/** Publishes `count` events nobody subscribes to and waits until the worker has stored and fanned out every one. */
async function busyWorker(world: World, count: number): Promise<void> {
  await publishSpread(world.redis, world.prefix, ["idle-memory-nobody"], count, { batch: 500 });
  const deadline = nowMs() + 10 * 60_000;
  for (;;) {
    const { rows } = await world.pool.query<{ n: string }>(`SELECT count(*) AS n FROM "Event" WHERE status <> 'pending'`);
    const fannedOut = Number(rows[0]?.n);
    if (fannedOut >= count) return;
    if (nowMs() > deadline) throw new Error(`the worker fanned out ${fannedOut} of ${count} events in 10 minutes`);
    await sleep(500);
  }
}

runBench("idle-memory", async () => {
  const args = parseArgs();
  const settle = args.number("settle", 120);
  const apiRequests = args.number("api-requests", 0);
  const workerEvents = args.number("worker-events", 0);
  const samples = args.number("samples", 3);
  const apiFlags = args.string("api-node-flags", "start");
  const machine = machineInfo();
  const command = `pnpm --filter @msr-webhooks/bench idle-memory ${process.argv.slice(2).join(" ")}`.trim();
  printHeader("Idle memory", machine, command);
  const world = await createWorld();
  const results: Record<string, Record<string, number>[]> = { api: [], worker: [] };
  try {
    const api = await startApiProcess(world, args.env, apiFlags === "start" ? startScriptFlags("api") : apiFlags.split(/\s+/).filter(Boolean));
    const worker = startWorkerProcess(world, {
      env: args.env,
      ...(args.workerEntry ? { entry: args.workerEntry } : {}),
      ...(args.workerNodeFlags ? { nodeFlags: args.workerNodeFlags } : {}),
    });
    const workerPort = await opsPortOf(worker.logFile, worker.died);
    if (workerEvents > 0) {
      await busyWorker(world, workerEvents);
      log(`after ${workerEvents} events: worker RSS ${round((await reading(worker.pid, `http://127.0.0.1:${workerPort}/metrics`)).rss ?? 0, 1)} MB`);
    }
    if (apiRequests > 0) {
      await busyApi(api.url, apiRequests);
      log(`after ${apiRequests} GET /api/v0/webhooks: api RSS ${round((await reading(api.pid, `${api.url}/metrics`)).rss ?? 0, 1)} MB`);
    }
    await sleep(settle * 1000);
    for (let i = 0; i < samples; i += 1) {
      results.api?.push(await reading(api.pid, `${api.url}/metrics`));
      results.worker?.push(await reading(worker.pid, `http://127.0.0.1:${workerPort}/metrics`));
      await sleep(2000);
    }
    await worker.stop();
    await api.stop();
  } finally {
    await world.close();
  }
  const keys = [...new Set(Object.values(results).flatMap((r) => Object.keys(r.at(-1) ?? {})))];
  const rows = keys.map((k) => [k, ...["api", "worker"].map((p) => round(results[p]?.at(-1)?.[k] ?? Number.NaN, 1))]);
  process.stdout.write(`\n${table(["MB (last reading)", "API", "worker"], rows)}\n`);
  for (const p of ["api", "worker"]) log(`${p} RSS per reading: ${(results[p] ?? []).map((r) => round(r.rss ?? 0, 1)).join(" / ")} MB`);
  const file = saveResults("idle-memory", machine, command, results);
  log(`saved ${file}`);
});
