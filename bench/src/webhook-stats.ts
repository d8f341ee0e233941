// GET /api/v0/webhooks/{id}/stats (the console's health panel) for a webhook with 1,000,000
// deliveries: one attempt each, one delivery every ~2.6 s over 30 days (so about 33,000 fall in the
// 24-hour window), 3% failed. Issue 16's bar: under 300 ms. Also prints the query plan's scans,
// which must use DeliveryAttempt(webhookId, startedAt), not a scan of every attempt.
// Usage: pnpm --filter @msr-webhooks/bench webhook-stats [--deliveries N] [--days D] [--requests N]
import { ADMIN_PASSWORD, ADMIN_USER, startApiProcess } from "./support/api-process.js";
import { parseArgs } from "./support/args.js";
import { runBench } from "./support/cleanup.js";
import { basicAuth, expectStatus, timedRequest } from "./support/http.js";
import { machineInfo } from "./support/machine.js";
import { log, printHeader, saveResults } from "./support/report.js";
import { median, percentile, round } from "./support/stats.js";
import { ensurePartitions } from "./support/worker-modules.js";
import { createWorld } from "./support/world.js";

const COMMAND = "pnpm --filter @msr-webhooks/bench webhook-stats";

runBench("webhook-stats", async () => {
  const parsed = parseArgs(process.argv.slice(2));
  const args = { deliveries: parsed.number("deliveries", 1_000_000), days: parsed.number("days", 30), requests: parsed.number("requests", 30) };
  const machine = machineInfo();
  printHeader("Webhook statistics at 1,000,000 deliveries", machine, COMMAND);
  const world = await createWorld();
  const api = await startApiProcess(world);
  const auth = basicAuth(ADMIN_USER, ADMIN_PASSWORD);
  const created = await expectStatus(201, "POST", `${api.url}/api/v0/webhooks`, {
    auth,
    body: { type: "TAG_PUSH", key: "", endpoint: "http://127.0.0.1:9/hook", skipTLSVerification: true },
  });
  const webhookId = (JSON.parse(created.body) as { id: string }).id;
  const n = args.deliveries;
  const spacing = (args.days * 86_400) / n;
  log(`seeding ${n} events, deliveries and attempts over ${args.days} days`);
  const seedStarted = Date.now();
  // The days' partitions first, as the worker keeps them, so the rows land where a worker's would.
  const now = new Date();
  await ensurePartitions(world.databaseUrl, now, new Date(now.getTime() - (args.days + 1) * 86_400_000));
  // One session with the row triggers off (session_replication_role): the ids are unique by
  // construction, and the uniqueness triggers' per-row advisory locks would exhaust the lock table
  // in a statement of a million rows ("out of shared memory").
  const seeder = await world.pool.connect();
  try {
    await seeder.query("SET session_replication_role = replica");
    await seeder.query(
      `INSERT INTO "Event" (id, type, source, "createdAt", "receivedAt", contents, status, "fannedOutAt")
       SELECT md5('stats-event-' || j)::uuid, 'TAG_PUSH', 'queue', ts, ts, '{}'::jsonb, 'fanned_out', ts
         FROM generate_series(1, $1) AS j, LATERAL (SELECT $3::timestamptz - make_interval(secs => ($1 - j) * $2::float8) AS ts) AS x`,
      [n, spacing, now],
    );
    await seeder.query(
      `INSERT INTO "Delivery" (id, "eventId", "webhookId", status, "attemptCount", "createdAt", "updatedAt")
       SELECT md5('stats-delivery-' || j)::uuid, md5('stats-event-' || j)::uuid, $4,
              CASE WHEN j % 33 = 0 THEN 'failed' ELSE 'succeeded' END, 1, ts, ts + interval '50 milliseconds'
         FROM generate_series(1, $1) AS j, LATERAL (SELECT $3::timestamptz - make_interval(secs => ($1 - j) * $2::float8) AS ts) AS x`,
      [n, spacing, now, webhookId],
    );
    await seeder.query(
      `INSERT INTO "DeliveryAttempt" (id, "deliveryId", "webhookId", number, trigger, "startedAt", "durationMs", "statusCode")
       SELECT gen_random_uuid(), d.id, d."webhookId", 1, 'scheduled', d."createdAt", 5 + (abs(hashtext(d.id::text)) % 200),
              CASE WHEN d.status = 'failed' THEN 500 ELSE 200 END
         FROM "Delivery" AS d WHERE d."webhookId" = $1`,
      [webhookId],
    );
    await seeder.query("RESET session_replication_role");
  } finally {
    seeder.release();
  }
  await world.pool.query(`ANALYZE "Event"; ANALYZE "Delivery"; ANALYZE "DeliveryAttempt"`);
  log(`seeded in ${round((Date.now() - seedStarted) / 1000, 1)} s`);

  const url = `${api.url}/api/v0/webhooks/${webhookId}/stats`;
  for (let i = 0; i < 3; i++) await expectStatus(200, "GET", url, { auth }); // warm: connections, plans, auth cache
  const times: number[] = [];
  let body = "";
  for (let i = 0; i < args.requests; i++) {
    const res = await timedRequest("GET", url, { auth });
    if (res.status !== 200) throw new Error(`stats answered ${res.status}: ${res.body.slice(0, 300)}`);
    times.push(res.ms);
    body = res.body;
  }
  const stats = JSON.parse(body) as { attempts: number; successRate: number; p50DurationMs: number; p95DurationMs: number };
  const plan = await world.pool.query<{ "QUERY PLAN": string }>(
    // The window's scan as webhook-stats.repository.ts makes it.
    `EXPLAIN SELECT count(*) FROM "DeliveryAttempt" a WHERE a."webhookId" = $1 AND a."startedAt" >= now() - interval '24 hours'`,
    [webhookId],
  );
  const scans = plan.rows.map((r) => r["QUERY PLAN"]).filter((l) => /Scan/.test(l)).map((l) => l.trim().replace(/\s+\(cost.*$/, ""));
  const result = {
    deliveries: n,
    days: args.days,
    attemptsInWindow: stats.attempts,
    successRate: stats.successRate,
    p50DurationMs: stats.p50DurationMs,
    p95DurationMs: stats.p95DurationMs,
    responseMs: { p50: round(median(times), 1), p95: round(percentile(times, 95), 1), max: round(Math.max(...times), 1) },
    scans,
  };
  log(
    `GET /webhooks/{id}/stats at ${n} deliveries (${stats.attempts} attempts in the 24 h window): p50 ${result.responseMs.p50} ms, p95 ${result.responseMs.p95} ms, max ${result.responseMs.max} ms over ${args.requests} requests`,
  );
  log(`plan: ${scans.join("; ")}`);
  log(`saved ${saveResults("webhook-stats", machine, COMMAND, result)}`);
  await api.stop();
  await world.close();
});
