// SQL of the system admins' overview: attempts per minute by outcome and the endpoints failing most
// in a short window, both through DeliveryAttempt(startedAt), so the cost follows the window's
// traffic, not the log's size; and the count of automatically disabled webhooks.
import { Prisma, type PrismaClient } from "@msr-webhooks/db/client";

const OK = Prisma.sql`(a."statusCode" BETWEEN 200 AND 299)`;

export class AdminOverviewRepository {
  constructor(private readonly db: PrismaClient) {}

  async perMinute(since: Date): Promise<{ minute: Date; succeeded: number; failed: number }[]> {
    const rows = await this.db.$queryRaw<{ minute: Date; succeeded: bigint; failed: bigint }[]>(Prisma.sql`
      SELECT date_trunc('minute', a."startedAt") AS minute,
             count(*) FILTER (WHERE ${OK}) AS succeeded, count(*) FILTER (WHERE NOT coalesce(${OK}, false)) AS failed
      FROM "DeliveryAttempt" a WHERE a."startedAt" >= ${since} GROUP BY 1 ORDER BY 1`);
    return rows.map((r) => ({ minute: r.minute, succeeded: Number(r.succeeded), failed: Number(r.failed) }));
  }

  async failingMost(since: Date, limit: number) {
    const rows = await this.db.$queryRaw<{ webhookId: string; type: string; key: string; endpoint: string; attempts: bigint; failed: bigint }[]>(Prisma.sql`
      SELECT w.id AS "webhookId", w.type, w.key, w.endpoint, count(*) AS attempts, count(*) FILTER (WHERE NOT coalesce(${OK}, false)) AS failed
      FROM "DeliveryAttempt" a JOIN "Delivery" d ON d.id = a."deliveryId" JOIN "Webhook" w ON w.id = d."webhookId"
      WHERE a."startedAt" >= ${since}
      GROUP BY w.id HAVING count(*) FILTER (WHERE NOT coalesce(${OK}, false)) > 0
      ORDER BY failed DESC, w.id LIMIT ${limit}`);
    return rows.map((r) => ({ ...r, attempts: Number(r.attempts), failed: Number(r.failed) }));
  }

  disabledCount(): Promise<number> {
    return this.db.webhook.count({ where: { disabledReason: { not: null } } });
  }
}
