// Statements of the cost benchmarks under EXPLAIN ANALYZE: the worker's fan-out match statement for
// one TAG_PUSH event, and the scans a plan uses.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { median } from "./stats.js";

/** Every node of a JSON plan that reads a table or an index, e.g. "Index Scan on Webhook (Webhook_type_key_inactive_idx)". */
function scansOf(plan: unknown): string[] {
  const found: string[] = [];
  const walk = (node: Record<string, unknown>): void => {
    const type = String(node["Node Type"] ?? "");
    if (node["Relation Name"] !== undefined || node["Index Name"] !== undefined) {
      const index = node["Index Name"] ? ` (${String(node["Index Name"])})` : "";
      const relation = node["Relation Name"] !== undefined ? ` on ${String(node["Relation Name"])}` : "";
      found.push(`${type}${relation}${index}`);
    }
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  walk(plan as Record<string, unknown>);
  return [...new Set(found)];
}

export async function explain(pool: pg.Pool, sql: string, params: unknown[], runs: number): Promise<{ ms: number; scans: string[] }> {
  const times: number[] = [];
  let scans: string[] = [];
  for (let i = 0; i < runs; i += 1) {
    const { rows } = await pool.query<{ "QUERY PLAN": { Plan: unknown; "Execution Time": number; "Planning Time": number }[] }>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`,
      params,
    );
    const out = rows[0]?.["QUERY PLAN"][0];
    if (!out) throw new Error("EXPLAIN returned nothing");
    times.push(out["Execution Time"] + out["Planning Time"]);
    scans = scansOf(out.Plan);
  }
  return { ms: median(times), scans };
}

/** The worker's fan-out match statement (apps/worker/src/fanout/fanout.repository.ts, matchingWebhooksSql) for one event. */
const MATCH_SQL = `
  SELECT q.event_id::text AS "eventId", w.id, w.type, w.key,
         w."namespaceId"::text AS "namespaceId", w."repositoryId"::text AS "repositoryId", w."authorId"::text AS "authorId",
         w.endpoint, a."isAdmin" AS "authorIsAdmin", a."isActive" AS "authorIsActive",
         s."tagGlobs", s."repoEvents", s."minSeverity"
    FROM jsonb_to_recordset($1::jsonb) AS q(event_id uuid, types text[], keys text[], namespace_id uuid, repository_id uuid)
    JOIN "Webhook" AS w ON w.type = ANY(q.types) AND w.key = ANY(q.keys) AND w.inactive = false
                       AND w."namespaceId" IS NOT DISTINCT FROM (CASE WHEN w.key <> '' THEN q.namespace_id END)
                       AND w."repositoryId" IS NOT DISTINCT FROM (CASE WHEN strpos(w.key, '/') > 0 THEN q.repository_id END)
    JOIN "Account" AS a ON a.id = w."authorId"
    LEFT JOIN "WebhookSettings" AS s ON s."webhookId" = w.id`;

/** The match statement for a TAG_PUSH to `namespace/repository`, bound to their ids as the worker binds them. */
export async function explainMatch(pool: pg.Pool, namespace: string, repository: string, runs: number): Promise<{ ms: number; scans: string[] }> {
  const bound = await pool.query<{ namespace_id: string; repository_id: string }>(
    `SELECT a.id AS namespace_id, r.id AS repository_id FROM "Account" AS a JOIN "Repository" AS r ON r."namespaceId" = a.id
      WHERE a.name = $1 AND r.name = $2`,
    [namespace, repository],
  );
  const query = { event_id: randomUUID(), types: ["TAG_PUSH"], keys: ["", namespace, `${namespace}/${repository}`], ...bound.rows[0] };
  return explain(pool, MATCH_SQL, [JSON.stringify([query])], runs);
}
