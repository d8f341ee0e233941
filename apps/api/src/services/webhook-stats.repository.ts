// SQL of a webhook's health numbers. Every attempt's recording sets its delivery's updatedAt
// (worker delivery.repository), so the attempts started in the window belong to deliveries updated
// since the window began: the index Delivery(webhookId, updatedAt) finds those, and each one's
// attempts come by DeliveryAttempt(deliveryId, number). The cost follows the window's traffic, not
// the webhook's whole history (bench/webhook-stats.bench.ts).
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
    const rows = await this.db.$queryRaw<{ hour: Date | null; attempts: bigint; succeeded: bigint; p50: number | null; p95: number | null }[]>(Prisma.sql`
      WITH a AS (
        SELECT a."startedAt", a."durationMs", (a."statusCode" BETWEEN 200 AND 299) AS ok
        FROM "Delivery" d
        JOIN "DeliveryAttempt" a ON a."deliveryId" = d.id
        WHERE d."webhookId" = ${webhookId} AND d."updatedAt" >= ${since} AND a."startedAt" >= ${since}
      )
      SELECT date_trunc('hour', "startedAt") AS hour, count(*) AS attempts, count(*) FILTER (WHERE ok) AS succeeded,
             NULL::float8 AS p50, NULL::float8 AS p95
      FROM a GROUP BY 1
      UNION ALL
      SELECT NULL, count(*), count(*) FILTER (WHERE ok),
             percentile_cont(0.5) WITHIN GROUP (ORDER BY "durationMs"),
             percentile_cont(0.95) WITHIN GROUP (ORDER BY "durationMs")
      FROM a`);
    const total = rows.find((r) => r.hour === null);
    return {
      attempts: Number(total?.attempts ?? 0),
      succeeded: Number(total?.succeeded ?? 0),
      p50: total?.p50 ?? null,
      p95: total?.p95 ?? null,
      hourly: rows
        .filter((r): r is typeof r & { hour: Date } => r.hour !== null)
        .map((r) => ({ hour: r.hour, attempts: Number(r.attempts), succeeded: Number(r.succeeded) }))
        .sort((a, b) => a.hour.getTime() - b.hour.getTime()),
    };
  }
}
