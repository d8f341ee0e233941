// Where a window's latency went, stage by stage, from the times the rows keep: for a sample of the
// first attempts at the healthy endpoints that started in the window, the p50 and p99 of
//   ingest  publish (the bench's time in contents.author) to Event.receivedAt,
//   fanout  Event.receivedAt to Event.fannedOutAt (= its deliveries' createdAt),
//   queue   fannedOutAt to DeliveryAttempt.startedAt (the delivery job's wait, its load, the owner's
//           slot and the endpoint gate),
//   send    DeliveryAttempt.durationMs (the request, until the endpoint answered),
//   total   publish to the end of the attempt.
// The stages' p99s do not add up to the total's; a stage whose p99 drifts with the receiver's is the one to look at.
// The window's rows are found by startedAt (indexed), and the joins by primary key with a bound on
// the partition key, so the query's cost follows the window's size, not the tables'. Only one attempt
// in 8 is joined (by the random last digit of its id: about 1,900 a window at 500/s, so the
// p99 rests on some 19 of them), in one process (no parallel workers): all of them cost about 230 ms
// of both cores every window at 500/s, which showed in the very latency it measures.
import type pg from "pg";
import type { Sample } from "./soak-sample.js";

/** The last hex digits of the attempts' ids that are sampled: 2 of 16, one attempt in 8. */
const SAMPLE_DIGITS = ["0", "8"];

const STAGES = ["ingest", "fanout", "queue", "send", "total"] as const;

export async function stageSeries(pool: pg.Pool, fromMs: number, toMs: number, excludedOrigins: readonly string[]): Promise<Sample> {
  const columns = STAGES.flatMap((s) => [
    `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${s}) AS ${s}_p50`,
    `percentile_cont(0.99) WITHIN GROUP (ORDER BY ${s}) AS ${s}_p99`,
  ]).join(", ");
  const client = await pool.connect();
  let rows: Record<string, number | string | null>[];
  try {
    await client.query("BEGIN READ ONLY");
    await client.query("SET LOCAL max_parallel_workers_per_gather = 0");
    ({ rows } = await client.query<Record<string, number | string | null>>(
      `WITH t AS (
         SELECT substr(e.contents->>'author', 7)::float8 AS published,
                extract(epoch FROM e."receivedAt") * 1000 AS received,
                extract(epoch FROM e."fannedOutAt") * 1000 AS fanned,
                extract(epoch FROM a."startedAt") * 1000 AS started,
                a."durationMs" AS send
           FROM "DeliveryAttempt" AS a
           JOIN "Delivery" AS d ON d.id = a."deliveryId" AND d."createdAt" <= a."startedAt" AND d."createdAt" > to_timestamp($1 / 1000.0) - interval '1 hour'
           JOIN "Event" AS e ON e.id = d."eventId" AND e."receivedAt" <= d."createdAt" AND e."receivedAt" > to_timestamp($1 / 1000.0) - interval '1 hour'
           JOIN "Webhook" AS w ON w.id = d."webhookId"
          WHERE a."startedAt" >= to_timestamp($1 / 1000.0) AND a."startedAt" < to_timestamp($2 / 1000.0)
            AND right(a.id::text, 1) = ANY($4::text[]) AND a.number = 1 AND a."statusCode" BETWEEN 200 AND 299
            AND NOT w.endpoint LIKE ANY($3::text[]) AND e.contents->>'author' LIKE 'bench:%'
       )
       SELECT count(*) AS n, ${columns}
         FROM (SELECT received - published AS ingest, fanned - received AS fanout, started - fanned AS queue,
                      send, started + send - published AS total FROM t) AS s`,
      [fromMs, toMs, excludedOrigins.map((origin) => `${origin}/%`), SAMPLE_DIGITS],
    ));
    await client.query("COMMIT");
    client.release();
  } catch (err) {
    // Not back to the pool in an open transaction: the connection is closed instead.
    client.release(err instanceof Error ? err : true);
    throw err;
  }
  const row = rows[0] ?? {};
  const out: Sample = { stage_sampled_rows: Number(row.n ?? Number.NaN) };
  for (const s of STAGES) {
    for (const q of ["p50", "p99"] as const) {
      const value = row[`${s}_${q}`];
      out[`stage_${s}_${q}_ms`] = value === null || value === undefined ? Number.NaN : Number(value);
    }
  }
  return out;
}
