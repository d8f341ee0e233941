// The day partitions of the delivery log (migration 20261205110000_partition_by_time): Event by
// receivedAt, Delivery by createdAt, DeliveryAttempt by startedAt, one partition per UTC day named
// <table>_pYYYYMMDD, and a default partition for rows outside every range. The worker creates them
// ahead, and drops a partition once all of its day is past retention and it holds no unfinished
// work (a delivery pending or retrying, its attempts, its event, an event not yet fanned out, or an
// event any delivery still points at); a partition that does is left to the purge's row deletes.
import { Prisma } from "@msr-webhooks/db/client";
import type { Logger } from "winston";
import type { Sql } from "../shared/sql.js";

export const DAY_MS = 86_400_000;
/** Partitions kept ready past today, so a worker that stops maintaining them leaves a week of margin. */
export const DAYS_AHEAD = 7;

export type PartitionedTable = "Event" | "Delivery" | "DeliveryAttempt";
/** In drop order: attempts before their deliveries, deliveries before their events. */
export const PARTITIONED: readonly PartitionedTable[] = ["DeliveryAttempt", "Delivery", "Event"];

export interface DayPartition {
  table: PartitionedTable;
  name: string;
  from: Date;
  to: Date;
}

/**
 * A delivery's row is updated after its insert (the attempt, a retry, a park): two fifths of each
 * page are left free so the new version fits beside the old one and the update is HOT, writing no
 * index entry (no index of Delivery holds a column an update changes: migration
 * 20261206060000_delivery_due). Measured in bench/ (fan-out 10, 22,000 deliveries): 40% of the
 * updates HOT at fillfactor 100, 67% at 80, 91% at 60, where the heap was also the smallest.
 */
const FILLFACTOR: Partial<Record<PartitionedTable, number>> = { Delivery: 60 };

/**
 * Rows changed before autovacuum analyzes a day partition again, on top of PostgreSQL's 10% of its
 * rows. By default a partition that starts the day empty is analyzed after 50 + 10% changes: at
 * every autovacuum pass (each minute) for the day's first tens of minutes at a few hundred
 * deliveries per second, each ANALYZE sampling 30,000 rows of each table (docs/benchmarks.md,
 * "The thirteenth run"). The queries on an open partition go by its indexes; the full statistics
 * come when its day is over (analyzeClosed). Migration 20261207000000_partition_analyze sets the
 * same on the partitions there were.
 */
export const ANALYZE_THRESHOLD = 500_000;

/** The storage options of a new day partition (reloptions). */
function storageOptions(table: PartitionedTable): string {
  const fill = FILLFACTOR[table];
  return [...(fill === undefined ? [] : [`fillfactor = ${fill}`]), `autovacuum_analyze_threshold = ${ANALYZE_THRESHOLD}`].join(", ");
}

/**
 * How long a partition's creation or drop waits for a lock before it gives up and is tried again on
 * the next run: less than PostgreSQL's deadlock_timeout (1 s by default). Creating or dropping a
 * Delivery partition locks Delivery, then Webhook (for the partition's foreign key); a delete that
 * cascades from an account to its webhooks to their deliveries, or a webhook's delete, locks them
 * in the other order, and the attempt record (Delivery, then Webhook) in this one, so no single
 * order avoids a cycle. PostgreSQL looks for a cycle once a wait has lasted deadlock_timeout and
 * aborts the waiter that looks; a delete seen failing with "deadlock detected" when the day turned
 * had waited for the new partition's lock while the creation waited for Webhook's, 1 s each. Waiting
 * at most this, the partition's statement gives up first unless the other side had already waited
 * 0.8 s before the partition's statement began to wait, and never aborts anyone else.
 */
export const PARTITION_LOCK_TIMEOUT_MS = 200;

const NAME = /^(Event|Delivery|DeliveryAttempt)_p(\d{4})(\d{2})(\d{2})$/;
const BLOCKED = "MS001";

/** Midnight UTC of the day holding `at`. */
export function dayStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

export function partitionName(table: PartitionedTable, day: Date): string {
  return `${table}_p${day.toISOString().slice(0, 10).replaceAll("-", "")}`;
}

function ident(name: string): Prisma.Sql {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`not a partition name: ${name}`);
  return Prisma.raw(`"${name}"`);
}

/** The SQL that is true when a partition may not go yet (see the top of this file). */
function blockedBy(p: DayPartition): string {
  const t = `"${p.name}"`;
  switch (p.table) {
    case "DeliveryAttempt":
      return `EXISTS (SELECT 1 FROM "DeliveryDue" AS q WHERE EXISTS (SELECT 1 FROM ${t} AS a WHERE a."deliveryId" = q.id))`;
    case "Delivery":
      // The open deliveries are the due rows (migration 20261206060000_delivery_due); the lock on the
      // partition keeps any of its rows from being reopened while this looks.
      return `EXISTS (SELECT 1 FROM "DeliveryDue" AS q WHERE q."createdAt" >= '${p.from.toISOString()}' AND q."createdAt" < '${p.to.toISOString()}')`;
    case "Event":
      // The deliveries of an event are written with createdAt = its fannedOutAt (one statement), so
      // one fanned out before the oldest stored delivery has none left: only the rest are looked up.
      return `EXISTS (SELECT 1 FROM ${t} AS e WHERE e.status = 'pending'
                 OR ((e."fannedOutAt" IS NULL OR e."fannedOutAt" >= (SELECT min("createdAt") FROM "Delivery"))
                     AND EXISTS (SELECT 1 FROM "Delivery" AS d WHERE d."eventId" = e.id)))`;
  }
}

export class Partitions {
  /** `lockTimeoutMs`: how long a partition's creation or drop waits for its locks before it is left for the next run. */
  constructor(
    private readonly sql: Sql,
    private readonly log: Logger,
    private readonly lockTimeoutMs = PARTITION_LOCK_TIMEOUT_MS,
  ) {}

  private lockTimeout(): string {
    return `SET LOCAL lock_timeout = '${Math.max(1, Math.round(this.lockTimeoutMs))}ms';`;
  }

  async list(table: PartitionedTable): Promise<DayPartition[]> {
    const rows = await this.sql.query<{ name: string }>(Prisma.sql`
      SELECT c.relname AS name FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
       WHERE i.inhparent = ${`"${table}"`}::regclass`);
    const days: DayPartition[] = [];
    for (const { name } of rows) {
      const m = NAME.exec(name);
      if (m === null || m[1] !== table) continue;
      const from = new Date(`${m[2]}-${m[3]}-${m[4]}T00:00:00Z`);
      days.push({ table, name, from, to: new Date(from.getTime() + DAY_MS) });
    }
    return days.sort((a, b) => a.from.getTime() - b.from.getTime());
  }

  /** Creates the missing day partitions from `from`'s day through DAYS_AHEAD days after `now`'s; returns their names. */
  async ensure(now: Date, from: Date = now): Promise<string[]> {
    const created: string[] = [];
    const last = dayStart(now).getTime() + DAYS_AHEAD * DAY_MS;
    for (const table of PARTITIONED) {
      const existing = new Set((await this.list(table)).map((p) => p.name));
      for (let day = dayStart(from).getTime(); day <= last; day += DAY_MS) {
        const name = partitionName(table, new Date(day));
        if (existing.has(name)) continue;
        const lo = new Date(day).toISOString();
        const hi = new Date(day + DAY_MS).toISOString();
        try {
          // Creating a partition locks its parent: never wait long behind the delivery traffic, nor into a deadlock (PARTITION_LOCK_TIMEOUT_MS).
          await this.sql.execute(Prisma.raw(`DO $create$ BEGIN
            ${this.lockTimeout()}
            CREATE TABLE IF NOT EXISTS ${ident(name).text} PARTITION OF "${table}" FOR VALUES FROM ('${lo}') TO ('${hi}') WITH (${storageOptions(table)});
          END $create$`));
          created.push(name);
        } catch (err) {
          // Rows of that day already in the default partition (or a lock not granted): left for the
          // row purge, tried again next time.
          this.log.warn("could not create a delivery log partition", { partition: name, error: (err as Error).message });
        }
      }
    }
    if (created.length > 0) this.log.info("created delivery log partitions", { partitions: created });
    return created;
  }

  /**
   * ANALYZEs the day partitions whose day ended before `now` and that were not analyzed since (by
   * autovacuum or here): their statistics, for the queries that read past days, once their rows
   * stop coming. At most one partition per table per call, the latest first, so an installation
   * with many such days spreads them over its purge runs. Returns the partitions analyzed.
   */
  async analyzeClosed(now: Date): Promise<string[]> {
    const analyzed: string[] = [];
    for (const table of PARTITIONED) {
      const closed = (await this.list(table)).filter((p) => p.to.getTime() <= now.getTime());
      if (closed.length === 0) continue;
      const last = await this.sql.query<{ name: string; at: Date | null }>(Prisma.sql`
        SELECT c.relname AS name, GREATEST(s.last_analyze, s.last_autoanalyze) AS at
          FROM pg_class AS c LEFT JOIN pg_stat_user_tables AS s ON s.relid = c.oid
         WHERE c.relname = ANY(${closed.map((p) => p.name)}::text[])`);
      const analyzedAt = new Map(last.map((r) => [r.name, r.at]));
      const due = closed.reverse().find((p) => {
        const at = analyzedAt.get(p.name);
        return at === null || (at !== undefined && at.getTime() < p.to.getTime());
      });
      if (due === undefined) continue;
      try {
        await this.sql.execute(Prisma.raw(`ANALYZE ${ident(due.name).text}`));
        analyzed.push(due.name);
      } catch (err) {
        // Dropped meanwhile (another worker's purge): nothing to analyze.
        this.log.warn("could not analyze a delivery log partition", { partition: due.name, error: (err as Error).message });
      }
    }
    if (analyzed.length > 0) this.log.info("analyzed closed delivery log partitions", { partitions: analyzed });
    return analyzed;
  }

  /**
   * Drops the partitions whose whole day is before `before` and that hold no unfinished work, in
   * PARTITIONED order. Returns the rows dropped by table, and the partitions left for row deletes.
   */
  async dropExpired(before: Date): Promise<{ rows: Record<PartitionedTable, number>; dropped: string[]; kept: string[] }> {
    const rows: Record<PartitionedTable, number> = { DeliveryAttempt: 0, Delivery: 0, Event: 0 };
    const dropped: string[] = [];
    const kept: string[] = [];
    for (const table of PARTITIONED) {
      for (const p of await this.list(table)) {
        if (p.to.getTime() > before.getTime()) break;
        const [count] = await this.sql.query<{ n: number }>(Prisma.sql`SELECT count(*)::int AS n FROM ${ident(p.name)}`);
        if (await this.dropUnlessBlocked(p)) {
          rows[table] += count?.n ?? 0;
          dropped.push(p.name);
        } else {
          kept.push(p.name);
        }
      }
    }
    if (dropped.length > 0) this.log.info("dropped expired delivery log partitions", { partitions: dropped });
    return { rows, dropped, kept };
  }

  /**
   * One statement: the partition is locked against writes, checked, and dropped. A delivery reopened
   * (redeliver) between a separate check and the drop would otherwise be lost.
   */
  private async dropUnlessBlocked(p: DayPartition): Promise<boolean> {
    const t = ident(p.name).text;
    try {
      await this.sql.execute(Prisma.raw(`DO $drop$ BEGIN
        ${this.lockTimeout()}
        LOCK TABLE ${t} IN SHARE MODE;
        IF ${blockedBy(p)} THEN
          RAISE EXCEPTION 'partition % holds unfinished work', '${p.name}' USING ERRCODE = '${BLOCKED}';
        END IF;
        DROP TABLE ${t};
      END $drop$`));
      return true;
    } catch (err) {
      if ((err as { code?: string }).code !== BLOCKED) {
        this.log.warn("could not drop a delivery log partition", { partition: p.name, error: (err as Error).message });
      }
      return false;
    }
  }
}
