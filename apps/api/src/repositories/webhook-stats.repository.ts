// SQL of a webhook's health numbers. Every attempt carries its delivery's webhook (the worker's
// delivery.repository writes it), so the index DeliveryAttempt(webhookId, startedAt) finds the
// window's attempts directly. The cost follows the window's traffic, not the webhook's whole
// history (bench/src/webhook-stats.ts); the index is insert-only, one entry per attempt.
import { Prisma, type PrismaClient } from "@msr-webhooks/db/client";

export interface AttemptStats {
  attempts: number;
  succeeded: number;
  p50: number | null;
  p95: number | null;
  hourly: { hour: Date; attempts: number; succeeded: number }[];
}

export class WebhookStatsRepository {
  constructor(private readonly db: PrismaClient) {}

  async attemptsSince(webhookId: string, since: Date): Promise<AttemptStats> {
    // One scan: per-hour counts and the window's total in one GROUP BY (grouping sets), both
    // percentiles from one sort (an array of fractions).
    const rows = await this.db.$queryRaw<{ hour: Date | null; attempts: bigint; succeeded: bigint; pct: number[] | null }[]>(Prisma.sql`
      SELECT date_trunc('hour', a."startedAt") AS hour, count(*) AS attempts,
             count(*) FILTER (WHERE a."statusCode" BETWEEN 200 AND 299) AS succeeded,
             CASE WHEN GROUPING(date_trunc('hour', a."startedAt")) = 1
                  THEN percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY a."durationMs") END AS pct
      FROM "DeliveryAttempt" a
      WHERE a."webhookId" = ${webhookId} AND a."startedAt" >= ${since}
      GROUP BY GROUPING SETS ((date_trunc('hour', a."startedAt")), ())`);
    const total = rows.find((r) => r.hour === null);
    return {
      attempts: Number(total?.attempts ?? 0),
      succeeded: Number(total?.succeeded ?? 0),
      p50: total?.pct?.[0] ?? null,
      p95: total?.pct?.[1] ?? null,
      hourly: rows
        .filter((r): r is typeof r & { hour: Date } => r.hour !== null)
        .map((r) => ({ hour: r.hour, attempts: Number(r.attempts), succeeded: Number(r.succeeded) }))
        .sort((a, b) => a.hour.getTime() - b.hour.getTime()),
    };
  }
}
