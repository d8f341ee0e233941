// Benchmark 4: how costs grow with stored data. At 1,000 / 100,000 / 1,000,000 stored subscriptions
// (and as many stored delivery attempts): the fan-out match query (EXPLAIN ANALYZE, the worker's
// statement), fan-out time through the real worker, GET /api/v0/webhooks as a repository admin with
// 10 webhooks and as a system admin (who lists all), and GET /api/v0/webhooks/{id}/deliveries.
import { ADMIN_PASSWORD, ADMIN_USER, startApiProcess, type ApiProcess } from "./support/api-process.js";
import { parseArgs } from "./support/args.js";
import { runBench } from "./support/cleanup.js";
import { nowMs } from "./support/clock.js";
import { seedDeliveryLog, seedFillerSubscriptions } from "./support/cost-seed.js";
import { measureFanout, type Timing } from "./support/fanout-timing.js";
import { explain, explainMatch } from "./support/match-sql.js";
import { basicAuth, expectStatus, timedRequest } from "./support/http.js";
import { machineInfo } from "./support/machine.js";
import { startReceiverProcess, type ReceiverProcess } from "./support/receiver.js";
import { log, printHeader, saveResults, table } from "./support/report.js";
import { median, percentile, round } from "./support/stats.js";
import { createWorld } from "./support/world.js";

const USER = "alice";
const USER_PASSWORD = "alice-bench-password";
const REPOSITORY = "app";
const USER_WEBHOOKS = 10;

interface AdminListing {
  ms: number;
  status: number;
  rows: number | null;
  megabytes: number;
  nextPageHeader: string | null;
  error?: string;
}

interface SizeResult {
  subscriptions: number;
  attempts: number;
  seedSeconds: number;
  matchQueryMs: number;
  matchPlanScans: string[];
  fanoutMs: Timing;
  publishToReceiveMs: Timing;
  userList: Timing & { rows: number };
  adminList: AdminListing[];
  adminFirstPage: (Timing & { rows: number }) | null;
  /** A page of 100 from the middle of the table (pageStart from X-Next-Page-Start). */
  adminNextPage: (Timing & { rows: number }) | null;
  apiPeakRssMb: number;
  deliveryLog: (Timing & { source: string }) | null;
  deliveryLogSqlMs: number;
  deliveryLogPlanScans: string[];
}

async function timeRequests(n: number, warm: number, request: () => Promise<{ ms: number }>): Promise<Timing> {
  for (let i = 0; i < warm; i += 1) await request();
  const ms: number[] = [];
  for (let i = 0; i < n; i += 1) ms.push((await request()).ms);
  return { p50: median(ms), p95: percentile(ms, 95), n };
}

/** The API's delivery-log page statement (apps/api/src/services/deliveries.repository.ts, page()), first page. */
const DELIVERY_PAGE_SQL = `
  SELECT d.id::text AS id, d."eventId"::text AS "eventId", e.type AS "eventType", d.status, d.reason,
         d."attemptCount", d."nextAttemptAt", d."createdAt", d."updatedAt"
    FROM "Delivery" AS d JOIN "Event" AS e ON e.id = d."eventId"
   WHERE d."webhookId" = $1
   ORDER BY d."createdAt" DESC, d.id DESC
   LIMIT 50`;

async function setUpUser(api: ApiProcess, receiver: ReceiverProcess): Promise<string[]> {
  const admin = basicAuth(ADMIN_USER, ADMIN_PASSWORD);
  const user = basicAuth(USER, USER_PASSWORD);
  await expectStatus(201, "POST", `${api.url}/enzi/v0/accounts`, { auth: admin, body: { name: USER, password: USER_PASSWORD } });
  await expectStatus(201, "POST", `${api.url}/api/v0/repositories/${USER}`, { auth: user, body: { name: REPOSITORY } });
  const ids: string[] = [];
  for (let i = 0; i < USER_WEBHOOKS; i += 1) {
    const res = await expectStatus(201, "POST", `${api.url}/api/v0/webhooks`, {
      auth: user,
      body: {
        type: "TAG_PUSH",
        key: `${USER}/${REPOSITORY}`,
        endpoint: `${receiver.urls[i % receiver.urls.length] as string}/hook/${USER}/${i}`,
        skipTLSVerification: true,
      },
    });
    ids.push((JSON.parse(res.body) as { id: string }).id);
  }
  return ids;
}

async function measureSize(receiver: ReceiverProcess, size: number, attempts: number): Promise<SizeResult> {
  const world = await createWorld();
  try {
    const api = await startApiProcess(world);
    const seedStart = nowMs();
    const webhookIds = await setUpUser(api, receiver);
    await seedFillerSubscriptions(world.pool, size - USER_WEBHOOKS);
    await seedDeliveryLog(world.pool, webhookIds, attempts, USER, REPOSITORY);
    await world.pool.query("VACUUM ANALYZE");
    const seedSeconds = (nowMs() - seedStart) / 1000;
    log(`${size} subscriptions, ${attempts} attempts seeded in ${round(seedSeconds, 1)} s`);

    const match = await explainMatch(world.pool, USER, REPOSITORY, 30);
    const logSql = await explain(world.pool, DELIVERY_PAGE_SQL, [webhookIds[0]], 30);

    const userAuth = basicAuth(USER, USER_PASSWORD);
    const adminAuth = basicAuth(ADMIN_USER, ADMIN_PASSWORD);
    let userRows = 0;
    const userList = await timeRequests(200, 20, async () => {
      const res = await expectStatus(200, "GET", `${api.url}/api/v0/webhooks`, { auth: userAuth });
      userRows = (JSON.parse(res.body) as unknown[]).length;
      return res;
    });

    // The admin's list: everything, unless the API pages it.
    const adminList: AdminListing[] = [];
    for (let i = 0; i < (size >= 1_000_000 ? 2 : 3); i += 1) {
      try {
        const res = await timedRequest("GET", `${api.url}/api/v0/webhooks`, { auth: adminAuth, timeoutMs: 600_000 });
        let rows: number | null = null;
        try {
          rows = res.status === 200 ? (JSON.parse(res.body) as unknown[]).length : null;
        } catch {
          rows = null;
        }
        const next = res.headers["x-next-page-start"];
        adminList.push({ ms: res.ms, status: res.status, rows, megabytes: res.bytes / 1024 ** 2, nextPageHeader: typeof next === "string" ? next : null });
      } catch (err) {
        adminList.push({ ms: Number.NaN, status: 0, rows: null, megabytes: 0, nextPageHeader: null, error: String(err) });
        break;
      }
    }
    // An explicit page, when the API understands pageSize (MSR clients never send it), and the
    // page after it (a keyset seek from X-Next-Page-Start, as deep into the table as paging goes).
    let adminFirstPage: SizeResult["adminFirstPage"] = null;
    let adminNextPage: SizeResult["adminNextPage"] = null;
    const probe = await timedRequest("GET", `${api.url}/api/v0/webhooks?pageSize=100`, { auth: adminAuth });
    const probeRows = probe.status === 200 ? (JSON.parse(probe.body) as unknown[]).length : -1;
    if (probeRows === 100) {
      const t = await timeRequests(50, 5, () => expectStatus(200, "GET", `${api.url}/api/v0/webhooks?pageSize=100`, { auth: adminAuth }));
      adminFirstPage = { ...t, rows: 100 };
      // What X-Next-Page-Start would say halfway through the listing: the id of the webhook there.
      const { rows: middle } = await world.pool.query<{ id: string }>(
        `SELECT id FROM "Webhook" ORDER BY "createdAt", id OFFSET $1 LIMIT 1`,
        [Math.floor(size / 2)],
      );
      const start = middle[0]?.id;
      if (start !== undefined) {
        const next = await timeRequests(50, 5, () =>
          expectStatus(200, "GET", `${api.url}/api/v0/webhooks?pageSize=100&pageStart=${start}`, { auth: adminAuth }),
        );
        adminNextPage = { ...next, rows: 100 };
      }
    }

    let deliveryLog: SizeResult["deliveryLog"] = null;
    const logProbe = await timedRequest("GET", `${api.url}/api/v0/webhooks/${webhookIds[0] as string}/deliveries?limit=50`, { auth: userAuth });
    if (logProbe.status === 200) {
      const t = await timeRequests(200, 20, () =>
        expectStatus(200, "GET", `${api.url}/api/v0/webhooks/${webhookIds[0] as string}/deliveries?limit=50`, { auth: userAuth }),
      );
      deliveryLog = { ...t, source: "GET /api/v0/webhooks/{id}/deliveries?limit=50" };
    } else {
      log(`delivery log route answered ${logProbe.status}: measuring its SQL only`);
    }
    const apiPeakRssMb = api.peakRssMb();
    await api.stop();

    const fanout = await measureFanout(world, receiver, { events: 100, namespace: USER, repository: REPOSITORY, delivered: USER_WEBHOOKS });
    return {
      subscriptions: size,
      attempts,
      seedSeconds,
      matchQueryMs: match.ms,
      matchPlanScans: match.scans,
      fanoutMs: fanout.fanoutMs,
      publishToReceiveMs: fanout.publishToReceiveMs,
      userList: { ...userList, rows: userRows },
      adminList,
      adminFirstPage,
      adminNextPage,
      apiPeakRssMb,
      deliveryLog,
      deliveryLogSqlMs: logSql.ms,
      deliveryLogPlanScans: logSql.scans,
    };
  } finally {
    await world.close();
  }
}

runBench("cost", async () => {
  const args = parseArgs();
  const sizes = args.numbers("sizes", [1000, 100_000, 1_000_000]);
  const machine = machineInfo();
  const command = `pnpm --filter @msr-webhooks/bench cost ${process.argv.slice(2).join(" ")}`.trim();
  printHeader("Cost growth", machine, command);
  const receiver = await startReceiverProcess(args.number("origins", 10));
  const results: SizeResult[] = [];
  for (const size of sizes) {
    const r = await measureSize(receiver, size, size);
    results.push(r);
    const admin = r.adminList.map((a) => (a.error ? `error: ${a.error}` : `${round(a.ms)} ms, ${a.status}, ${String(a.rows)} rows, ${round(a.megabytes, 1)} MB`));
    log(
      `${size}: match ${round(r.matchQueryMs, 3)} ms [${r.matchPlanScans.join(", ")}]; fan-out p50 ${round(r.fanoutMs.p50, 1)} ms; ` +
        `user list p50 ${round(r.userList.p50, 2)} ms (${r.userList.rows} rows); admin list ${admin.join("; ")}; ` +
        `delivery log p50 ${r.deliveryLog ? round(r.deliveryLog.p50, 2) : "-"} ms, SQL ${round(r.deliveryLogSqlMs, 3)} ms [${r.deliveryLogPlanScans.join(", ")}]; API peak RSS ${round(r.apiPeakRssMb)} MB`,
    );
  }
  await receiver.close();

  const first = results[0];
  const ratio = (f: (r: SizeResult) => number, r: SizeResult) => (first ? round(f(r) / f(first), 2).toFixed(2) : "");
  const rows = results.map((r) => {
    const admin = r.adminList.filter((a) => !a.error);
    return [
      r.subscriptions.toLocaleString("en-US"),
      `${round(r.matchQueryMs, 3)} (${ratio((x) => x.matchQueryMs, r)}x)`,
      `${round(r.fanoutMs.p50, 1)} / ${round(r.fanoutMs.p95, 1)} (${ratio((x) => x.fanoutMs.p50, r)}x)`,
      `${round(r.userList.p50, 2)} / ${round(r.userList.p95, 2)} (${ratio((x) => x.userList.p50, r)}x)`,
      admin.length > 0
        ? `${round(median(admin.map((a) => a.ms)))} ms, ${String(admin[0]?.rows)} rows, ${round(admin[0]?.megabytes ?? 0, 1)} MB`
        : `failed: ${r.adminList[0]?.error ?? "?"}`,
      r.adminFirstPage ? `${round(r.adminFirstPage.p50, 2)} / ${round(r.adminFirstPage.p95, 2)}` : "n/a",
      r.adminNextPage ? `${round(r.adminNextPage.p50, 2)} / ${round(r.adminNextPage.p95, 2)}` : "n/a",
      r.deliveryLog ? `${round(r.deliveryLog.p50, 2)} / ${round(r.deliveryLog.p95, 2)} (${ratio((x) => x.deliveryLog?.p50 ?? Number.NaN, r)}x)` : "n/a",
      `${round(r.deliveryLogSqlMs, 3)}`,
      round(r.apiPeakRssMb),
    ];
  });
  process.stdout.write(
    `\n${table(
      [
        "stored subscriptions (= stored attempts)",
        "match query ms (vs first)",
        "fan-out ms p50 / p95",
        "GET /webhooks as repo admin ms p50 / p95",
        "GET /webhooks as system admin (default)",
        "admin ?pageSize=100 ms p50 / p95",
        "admin page from the middle (pageStart) ms p50 / p95",
        "GET /webhooks/{id}/deliveries ms p50 / p95",
        "delivery page SQL ms",
        "API peak RSS MB",
      ],
      rows,
    )}\n`,
  );
  for (const r of results) {
    process.stdout.write(`plans at ${r.subscriptions}: match [${r.matchPlanScans.join(", ")}]; delivery page [${r.deliveryLogPlanScans.join(", ")}]\n`);
  }
  const file = saveResults("cost", machine, command, results);
  log(`saved ${file}`);
});
